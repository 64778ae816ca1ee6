"""Wire shapes of the groups context (JSON for the CLI's ``--json`` and for the API)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from inhouse.groups.domain import Classification
from inhouse.groups.services import GroupPosition
from inhouse.schema_types import Day
from inhouse.wire import PlainDecimal


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
    effective_pct: PlainDecimal
    nci_pct: PlainDecimal
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
    on: Day = Field(description="The sale's date")


MAX_BATCH = 10_000


class ClassificationRequest(BaseModel):
    """One pair (``seller``, ``buyer``, ``on``) or a batch of up to 10,000 in ``items``."""

    model_config = ConfigDict(extra="forbid")

    seller: str | None = Field(default=None, min_length=1, max_length=64)
    buyer: str | None = Field(default=None, min_length=1, max_length=64)
    on: Day | None = None
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


# =========================================================================== the records
#
# Values arrive as text and are checked by the services with the dataset's parsers, so
# that the API and an import give the same reasons. Dates are ISO ``YYYY-MM-DD``.

_ID = "Unique across entities, org units and persons; never changes"
_DATE: dict[str, Any] = {"format": "date"}
_SHARE = "Percent: an exact value (60, 76.5) or a band ([25,50], (50,75], (75,100])"


def _day(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra=_DATE)


class EntityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, description=_ID)
    name: str = Field(max_length=300)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2", examples=["DE"])
    currency: str | None = Field(default=None, description="ISO 4217", examples=["EUR"])
    lei: str | None = Field(default=None, description="Legal Entity Identifier (checked)")
    vat_id: str | None = Field(
        default=None, max_length=32, description="VAT ID (checked where its format is known)"
    )
    line_of_business: str | None = Field(default=None, max_length=200)


class EntityUpdate(BaseModel):
    """The fields to change; ``null`` clears an optional one. The id never changes."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=300)
    country: str | None = None
    currency: str | None = None
    lei: str | None = None
    vat_id: str | None = Field(default=None, max_length=32)
    line_of_business: str | None = Field(default=None, max_length=200)


class EntityRead(BaseModel):
    id: str
    name: str
    country: str | None
    currency: str | None
    lei: str | None
    vat_id: str | None
    line_of_business: str | None


class EntityPage(BaseModel):
    items: list[EntityRead]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")


class StakeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    holder: str = Field(max_length=64, description="An entity or a person")
    entity: str = Field(max_length=64, description="The entity in which the stake is held")
    voting: str = Field(max_length=40, description=_SHARE, examples=["60", "(50,75]"])
    equity: str | None = Field(default=None, max_length=40, description=_SHARE + "; default voting")
    valid_from: str | None = _day("First day valid (empty: since always)")
    valid_to: str | None = _day("First day no longer valid (empty: until further notice)")
    control: str | None = Field(
        default=None, description="yes (by agreement), no (votes never count), empty: by votes"
    )


class StakeUpdate(BaseModel):
    """The fields to change; holder and entity never change (end the stake, record a new one)."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    voting: str | None = Field(default=None, max_length=40, description=_SHARE)
    equity: str | None = Field(default=None, max_length=40, description=_SHARE)
    valid_from: str | None = _day("First day valid")
    valid_to: str | None = _day("First day no longer valid")
    control: str | None = None


class StakeRead(BaseModel):
    id: int
    holder: str
    entity: str
    voting: str
    equity: str
    valid_from: date | None
    valid_to: date | None
    control: str | None = Field(description="yes, no, or null: control follows the votes")

    @field_validator("control", mode="before")
    @classmethod
    def _derived(cls, value: Any) -> Any:
        return value or None


class StakePage(BaseModel):
    items: list[StakeRead]
    next_cursor: str | None


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, description=_ID)
    entity: str = Field(max_length=64, description="The legal entity; never changes")
    name: str = Field(max_length=300)
    parent: str | None = Field(
        default=None, max_length=64, description="An org unit of the same entity"
    )
    cost_centre: str | None = Field(default=None, max_length=64)


class UnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=300)
    parent: str | None = Field(default=None, max_length=64)
    cost_centre: str | None = Field(default=None, max_length=64)


class UnitRead(BaseModel):
    id: str
    entity: str
    name: str
    parent: str | None
    cost_centre: str | None


class UnitPage(BaseModel):
    items: list[UnitRead]
    next_cursor: str | None


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, description=_ID)
    name: str = Field(max_length=300)
    email: str | None = Field(default=None, max_length=320)
    employee_no: str | None = Field(default=None, max_length=64)


class PersonUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    employee_no: str | None = Field(default=None, max_length=64)


class PersonRead(BaseModel):
    id: str
    name: str
    email: str | None
    employee_no: str | None


class PersonPage(BaseModel):
    items: list[PersonRead]
    next_cursor: str | None


class EmploymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=64)
    entity: str = Field(max_length=64, description="The employing legal entity")
    unit: str | None = Field(default=None, max_length=64, description="An org unit of the entity")
    kind: str | None = Field(default=None, description="employee (default) or retiree")
    valid_from: str | None = _day("First day employed (empty: since always)")
    valid_to: str | None = _day("First day no longer employed (empty: until further notice)")


class EmploymentUpdate(BaseModel):
    """The fields to change; person and entity never change."""

    model_config = ConfigDict(extra="forbid")

    unit: str | None = Field(default=None, max_length=64)
    kind: str | None = None
    valid_from: str | None = _day("First day employed")
    valid_to: str | None = _day("First day no longer employed")


class EmploymentRead(BaseModel):
    id: int
    person: str
    entity: str
    unit: str | None
    kind: str
    valid_from: date | None
    valid_to: date | None


class EmploymentPage(BaseModel):
    items: list[EmploymentRead]
    next_cursor: str | None


class EndRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: str = Field(description="The first day on which the record is no longer valid",
                    json_schema_extra=_DATE)  # fmt: skip


class EntityEnding(BaseModel):
    entity: EntityRead
    on: date
    stakes: list[StakeRead] = Field(description="The stakes ended on that day")
    employments: list[EmploymentRead] = Field(description="The employments ended on that day")


class UnitEnding(BaseModel):
    unit: UnitRead
    on: date
    employments: list[EmploymentRead] = Field(
        description="Every employment written: the ones ended, their continuations without "
        "the unit, and later ones that lost the unit"
    )


class PersonEnding(BaseModel):
    person: PersonRead
    on: date
    stakes: list[StakeRead] = Field(description="The stakes the person held, ended on that day")
    employments: list[EmploymentRead] = Field(description="The employments ended on that day")
