"""Wire shapes of the groups context (JSON for the CLI's ``--json`` and for the API)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inhouse.groups.domain import Classification
from inhouse.groups.services import GroupPosition


class ClassificationRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    seller: str
    buyer: str
    on: date
    relation: str
    internal: bool
    seller_entity: str
    buyer_entity: str | None
    group: str
    uncertain: bool
    evidence: list[str]

    @classmethod
    def of(cls, answer: Classification) -> ClassificationRead:
        return cls(
            seller=answer.seller,
            buyer=answer.buyer,
            on=answer.on,
            relation=answer.relation.value,
            internal=answer.internal,
            seller_entity=answer.seller_entity,
            buyer_entity=answer.buyer_entity,
            group=answer.group,
            uncertain=answer.uncertain,
            evidence=list(answer.evidence),
        )


class GroupPositionRead(BaseModel):
    model_config = ConfigDict(frozen=True)

    entity: str
    name: str
    ultimate_parent: str
    controller: str | None
    effective_pct: Decimal
    nci_pct: Decimal
    uncertain: bool
    evidence: list[str]

    @classmethod
    def of(cls, position: GroupPosition) -> GroupPositionRead:
        return cls(
            entity=position.entity,
            name=position.name,
            ultimate_parent=position.ultimate_parent,
            controller=position.controller,
            effective_pct=position.effective_pct,
            nci_pct=position.nci_pct,
            uncertain=position.uncertain,
            evidence=list(position.evidence),
        )


class SaleQuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seller: str = Field(min_length=1, max_length=64, description="Selling entity or org unit")
    buyer: str = Field(min_length=1, max_length=64, description="Any id: entity, unit, person…")
    on: date = Field(description="The sale's date")


MAX_BATCH = 10_000


class ClassificationRequest(BaseModel):
    """One pair (``seller``, ``buyer``, ``on``) or a batch of up to 10,000 in ``items``."""

    model_config = ConfigDict(extra="forbid")

    seller: str | None = Field(default=None, min_length=1, max_length=64)
    buyer: str | None = Field(default=None, min_length=1, max_length=64)
    on: date | None = None
    items: list[SaleQuestionIn] | None = Field(default=None, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def one_or_many(self) -> ClassificationRequest:
        single = (self.seller, self.buyer, self.on)
        if self.items is None and None in single:
            raise ValueError("give seller, buyer and on, or a list of items")
        if self.items is not None and any(v is not None for v in single):
            raise ValueError("give either seller, buyer and on, or items, not both")
        if self.items is not None and not self.items:
            raise ValueError("items must not be empty")
        return self

    def questions(self) -> list[SaleQuestionIn]:
        if self.items is not None:
            return self.items
        assert self.seller is not None and self.buyer is not None and self.on is not None
        return [SaleQuestionIn(seller=self.seller, buyer=self.buyer, on=self.on)]


class ClassificationBatch(BaseModel):
    items: list[ClassificationRead]
