"""Wire shapes of the groups context (JSON for the CLI's ``--json`` and for the API)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

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
