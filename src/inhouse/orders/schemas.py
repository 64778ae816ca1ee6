"""Wire shapes of the orders context. Amounts are decimal text with their currency."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from inhouse.schema_types import Day
from inhouse.wire import PlainDecimal


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderLineCreate(_In):
    product: str = Field(min_length=1, max_length=64)
    quantity: PlainDecimal = Field(gt=0)
    market_price: PlainDecimal | None = Field(
        default=None, description="A proven lowest market price per unit (DE, BMF 16.05.2013)"
    )


class OrderCreate(_In):
    id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Your order id; default: made up"
    )
    seller: str = Field(min_length=1, max_length=64, description="Selling entity or org unit")
    buyer: str = Field(min_length=1, max_length=64, description="Any party or customer account")
    on: Day | None = Field(default=None, description="The order's day; default: today")
    lines: list[OrderLineCreate] = Field(min_length=1, max_length=1000)


class ReturnLineCreate(_In):
    line: int = Field(ge=1, description="The order line's number")
    quantity: PlainDecimal = Field(gt=0)


class ReturnCreate(_In):
    id: str | None = Field(default=None, min_length=1, max_length=64)
    on: Day | None = Field(default=None, description="The return's day; default: today")
    lines: list[ReturnLineCreate] = Field(min_length=1, max_length=1000)


class NotAppliedRead(BaseModel):
    programme: str
    reason: str
    sentence: str


class OrderLineRead(BaseModel):
    number: int
    product: str
    category: str | None
    kind: str
    quantity: PlainDecimal
    currency: str
    list_price: PlainDecimal
    list_amount: PlainDecimal
    unit_price: PlainDecimal
    amount: PlainDecimal
    discount: PlainDecimal
    unit_cost: PlainDecimal | None
    market_price: PlainDecimal | None
    programme: str | None
    programme_kind: str | None
    base: str
    cap_left: PlainDecimal | None = Field(description="What was left of the cap after this line")
    evidence: list[str]
    not_applied: list[NotAppliedRead]


class ReturnLineRead(BaseModel):
    line: int
    quantity: PlainDecimal
    currency: str
    amount: PlainDecimal = Field(description="Refunded")
    list_amount: PlainDecimal
    discount: PlainDecimal = Field(description="Given back to the programme's annual cap")
    quantity_given_back: PlainDecimal = Field(description="Given back to its quantity limits")
    evidence: list[str]


class ReturnRead(BaseModel):
    id: str
    order_id: str
    on: date
    source: str
    created_at: datetime
    created_by: str
    lines: list[ReturnLineRead]


class OrderRead(BaseModel):
    id: str
    seller: str
    buyer: str
    on: date
    relation: str
    seller_entity: str
    buyer_entity: str | None
    group: str | None
    internal: bool
    uncertain: bool
    classification: list[str] = Field(description="Why the buyer was this relation that day")
    evidence: list[str]
    source: str
    created_at: datetime
    created_by: str
    lines: list[OrderLineRead]
    totals: dict[str, PlainDecimal]
    returns: list[ReturnRead]
    refunded: dict[str, PlainDecimal]


class OrderPage(BaseModel):
    items: list[OrderRead]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")
