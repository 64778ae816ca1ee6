"""Wire shapes of the pricing context. Amounts are decimal text with their currency."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from inhouse.pricing.domain import PricedLine, Quote
from inhouse.schema_types import Day
from inhouse.wire import PlainDecimal, PlainJson


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCreate(_In):
    id: str = Field(min_length=1, max_length=64)
    seller: str = Field(min_length=1, max_length=64, description="The selling legal entity")
    name: str = Field(min_length=1, max_length=300)
    kind: str = Field(default="goods", description="goods or service")
    category: str | None = Field(default=None, max_length=100)
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code")
    for_employees_only: bool = False
    list_price: PlainDecimal = Field(description="End-customer price, gross of staff discounts")
    unit_cost: PlainDecimal | None = None
    valid_from: Day | None = Field(default=None, description="First day of the first price")


class PriceCreate(_In):
    valid_from: Day = Field(description="First day of the new price; the open price ends")
    list_price: PlainDecimal
    unit_cost: PlainDecimal | None = None


class PriceRead(BaseModel):
    valid_from: date | None
    valid_to: date | None
    list_price: PlainDecimal
    unit_cost: PlainDecimal | None


class ProductRead(BaseModel):
    id: str
    seller: str
    name: str
    kind: str
    category: str | None
    currency: str
    for_employees_only: bool
    prices: list[PriceRead]

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProductRead:
        return cls.model_validate({**row, "prices": [PriceRead.model_validate(p) for p in
                                                     row["prices"]]})  # fmt: skip


class ProductPage(BaseModel):
    items: list[ProductRead]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")


class QuantityLimitIn(_In):
    max_quantity: PlainDecimal
    product: str | None = None
    category: str | None = None


class ProgrammeCreate(_In):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    kind: str = Field(
        description="staff_discount, group_staff_discount, department_charge or transfer_price"
    )
    scope_kind: str = Field(default="all", description="entity, group or all")
    scope_id: str | None = Field(default=None, max_length=64)
    categories_included: list[str] = []
    categories_excluded: list[str] = []
    valid_from: Day | None = None
    valid_to: Day | None = None
    priority: int = Field(default=0, ge=-(2**31), le=2**31 - 1)
    discount_pct: PlainDecimal | None = None
    markup_pct: PlainDecimal | None = None
    margin_pct: PlainDecimal | None = None
    method: str | None = Field(default=None, description="cost_plus, resale_minus or cup")
    include_retirees: bool = False
    waiting_days: int = Field(default=0, ge=0, le=100_000)
    annual_cap: PlainDecimal | None = None
    annual_cap_currency: str | None = Field(default=None, min_length=3, max_length=3)
    quantity_limits: list[QuantityLimitIn] = []
    comparables: list[PlainDecimal] = []


class ProgrammeRead(BaseModel):
    id: str
    name: str
    kind: str
    scope_kind: str
    scope_id: str | None
    categories_included: list[str]
    categories_excluded: list[str]
    valid_from: date | None
    valid_to: date | None
    priority: int
    discount_pct: PlainDecimal | None
    markup_pct: PlainDecimal | None
    margin_pct: PlainDecimal | None
    method: str | None
    include_retirees: bool
    waiting_days: int
    annual_cap: PlainDecimal | None
    annual_cap_currency: str | None
    quantity_limits: list[dict[str, PlainJson]]
    comparables: list[PlainDecimal]


class ProgrammePage(BaseModel):
    items: list[ProgrammeRead]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")


class EndOn(_In):
    on: Day = Field(description="The first day on which the programme no longer applies")


class QuoteLineIn(_In):
    product: str = Field(min_length=1, max_length=64)
    quantity: PlainDecimal = Field(gt=0)


class QuoteRequest(_In):
    seller: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=64)
    on: Day
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=1000)


class NotAppliedRead(BaseModel):
    programme: str
    reason: str
    sentence: str


class PricedLineRead(BaseModel):
    number: int
    product: str
    quantity: PlainDecimal
    relation: str
    programme: str | None
    programme_kind: str | None
    base: str
    currency: str
    list_price: PlainDecimal
    list_amount: PlainDecimal
    unit_price: PlainDecimal
    amount: PlainDecimal
    discount_unit: PlainDecimal
    discount: PlainDecimal
    cap_left: PlainDecimal | None
    arms_length_within: bool | None
    arms_length_adjustment: PlainDecimal | None
    evidence: list[str]
    not_applied: list[NotAppliedRead]

    @classmethod
    def of(cls, line: PricedLine) -> PricedLineRead:
        check = line.arms_length
        return cls(
            number=line.number,
            product=line.product,
            quantity=line.quantity,
            relation=line.relation.value,
            programme=line.programme,
            programme_kind=None if line.programme_kind is None else line.programme_kind.value,
            base=line.base.value,
            currency=line.currency,
            list_price=line.list_price.amount,
            list_amount=line.list_amount.amount,
            unit_price=line.unit_price.amount,
            amount=line.amount.amount,
            discount_unit=line.discount_unit.amount,
            discount=line.discount.amount,
            cap_left=None if line.cap_left is None else line.cap_left.amount,
            arms_length_within=None if check is None else check.within,
            arms_length_adjustment=(
                None if check is None or check.adjustment is None else check.adjustment.amount
            ),
            evidence=list(line.evidence),
            not_applied=[
                NotAppliedRead(programme=n.programme, reason=n.reason.value, sentence=n.sentence)
                for n in line.not_applied
            ],
        )


class QuoteRead(BaseModel):
    seller: str
    buyer: str
    on: date
    relation: str
    lines: list[PricedLineRead]
    totals: dict[str, PlainDecimal]
    evidence: list[str]

    @classmethod
    def of(cls, answer: Quote) -> QuoteRead:
        return cls(
            seller=answer.seller,
            buyer=answer.buyer,
            on=answer.on,
            relation=answer.relation.value,
            lines=[PricedLineRead.of(line) for line in answer.lines],
            totals={currency: m.amount for currency, m in answer.totals.items()},
            evidence=list(answer.evidence),
        )
