"""Wire shapes of the benefits context. Amounts are decimal text with their currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from inhouse.benefits.domain import BenefitStatement, GrossProfitPercentage, ValuedLine
from inhouse.benefits.services import BenefitsAnswer
from inhouse.money import money_places
from inhouse.wire import PlainDecimal


class BenefitLineRead(BaseModel):
    id: str = Field(description="order/line, or return/line for a return")
    on: date
    product: str
    seller: str
    relation: str
    quantity: int
    list_price: PlainDecimal
    price_paid: PlainDecimal
    rule: str
    discount: PlainDecimal
    benefit: PlainDecimal
    tax_free: PlainDecimal | None
    taxable: PlainDecimal | None
    market_price_valuation: PlainDecimal | None = Field(
        description="DE: the benefit valued at the proven market price (§ 8 (2)), if one was given"
    )
    lower_valuation: str | None
    evidence: list[str]

    @classmethod
    def of(cls, item: ValuedLine) -> BenefitLineRead:
        line, market = item.line, item.market_valuation

        def at(value: Decimal) -> Decimal:  # the currency's places, or finer ones it has
            return money_places(value, line.currency)

        return cls(
            id=line.id, on=line.on, product=line.product, seller=line.seller,
            relation=line.relation.value, quantity=line.quantity, list_price=at(line.list_price),
            price_paid=at(line.price_paid), rule=item.rule.value, discount=at(item.discount.amount),
            benefit=at(item.benefit.amount),
            tax_free=None if item.tax_free is None else at(item.tax_free.amount),
            taxable=None if item.taxable is None else at(item.taxable.amount),
            market_price_valuation=None if market is None else at(market.section_8_2.amount),
            lower_valuation=None if market is None or market.lower is None else market.lower.value,
            evidence=list(item.evidence),
        )  # fmt: skip


class BenefitStatementRead(BaseModel):
    person: str
    employee_number: str
    employer: str
    jurisdiction: str
    scheme: str
    period: str
    period_start: date
    period_end: date = Field(description="First day after the period")
    currency: str
    benefit: PlainDecimal
    allowance: PlainDecimal | None
    allowance_used: PlainDecimal
    tax_free: PlainDecimal
    taxable: PlainDecimal
    changed_after: date | None = Field(description="A return after the period changed it")
    evidence: list[str]
    lines: list[BenefitLineRead]

    @classmethod
    def of(cls, s: BenefitStatement) -> BenefitStatementRead:
        return cls(
            person=s.person, employee_number=s.employee_number, employer=s.employer,
            jurisdiction=s.jurisdiction.value, scheme=s.scheme.value, period=s.period.label,
            period_start=s.period.start, period_end=s.period.end, currency=s.currency,
            benefit=money_places(s.benefit.amount, s.currency),
            allowance=None if s.allowance is None else money_places(s.allowance.amount, s.currency),
            allowance_used=money_places(s.allowance_used.amount, s.currency),
            tax_free=money_places(s.tax_free.amount, s.currency),
            taxable=money_places(s.taxable.amount, s.currency), changed_after=s.changed_after,
            evidence=list(s.evidence),
            lines=[BenefitLineRead.of(line) for line in s.lines],
        )  # fmt: skip


class PayrollRowRead(BaseModel):
    employee_number: str
    period: str
    wage_type: str
    amount: PlainDecimal
    currency: str


class BenefitsRead(BaseModel):
    year: int
    month: int | None
    statements: list[BenefitStatementRead]
    payroll: list[PayrollRowRead]
    not_valued: list[str] = Field(description="Staff lines whose employer has no benefit rules")

    @classmethod
    def of(cls, answer: BenefitsAnswer) -> BenefitsRead:
        payroll = [
            PayrollRowRead(
                employee_number=r.employee_number,
                period=r.period,
                wage_type=r.wage_type.value,
                amount=money_places(r.amount, r.currency),
                currency=r.currency,
            )
            for r in answer.payroll
        ]
        return cls(
            year=answer.year,
            month=answer.month,
            statements=[BenefitStatementRead.of(s) for s in answer.statements],
            payroll=payroll,
            not_valued=list(answer.not_valued),
        )


class GrossProfitSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: PlainDecimal = Field(
        description="(sales − cost) / sales of the line of business, in %"
    )


class GrossProfitRead(BaseModel):
    entity: str
    year: int
    percent: PlainDecimal

    @classmethod
    def of(cls, figure: GrossProfitPercentage) -> GrossProfitRead:
        return cls(entity=figure.entity, year=figure.year, percent=figure.percent)
