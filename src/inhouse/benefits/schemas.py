"""Wire shapes of the benefits context. Amounts are decimal text with their currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from inhouse.benefits.domain import BenefitStatement, GrossProfitPercentage, ValuedLine
from inhouse.benefits.services import BenefitsAnswer


class BenefitLineRead(BaseModel):
    id: str = Field(description="order/line, or return/line for a return")
    on: date
    product: str
    seller: str
    relation: str
    quantity: int
    list_price: Decimal
    price_paid: Decimal
    rule: str
    discount: Decimal
    benefit: Decimal
    tax_free: Decimal | None
    taxable: Decimal | None
    market_price_valuation: Decimal | None = Field(
        description="DE: the benefit valued at the proven market price (§ 8 (2)), if one was given"
    )
    lower_valuation: str | None
    evidence: list[str]

    @classmethod
    def of(cls, item: ValuedLine) -> BenefitLineRead:
        line, market = item.line, item.market_valuation
        return cls(
            id=line.id, on=line.on, product=line.product, seller=line.seller,
            relation=line.relation.value, quantity=line.quantity, list_price=line.list_price,
            price_paid=line.price_paid, rule=item.rule.value, discount=item.discount.amount,
            benefit=item.benefit.amount,
            tax_free=None if item.tax_free is None else item.tax_free.amount,
            taxable=None if item.taxable is None else item.taxable.amount,
            market_price_valuation=None if market is None else market.section_8_2.amount,
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
    benefit: Decimal
    allowance: Decimal | None
    allowance_used: Decimal
    tax_free: Decimal
    taxable: Decimal
    changed_after: date | None = Field(description="A return after the period changed it")
    evidence: list[str]
    lines: list[BenefitLineRead]

    @classmethod
    def of(cls, s: BenefitStatement) -> BenefitStatementRead:
        return cls(
            person=s.person, employee_number=s.employee_number, employer=s.employer,
            jurisdiction=s.jurisdiction.value, scheme=s.scheme.value, period=s.period.label,
            period_start=s.period.start, period_end=s.period.end, currency=s.currency,
            benefit=s.benefit.amount,
            allowance=None if s.allowance is None else s.allowance.amount,
            allowance_used=s.allowance_used.amount, tax_free=s.tax_free.amount,
            taxable=s.taxable.amount, changed_after=s.changed_after, evidence=list(s.evidence),
            lines=[BenefitLineRead.of(line) for line in s.lines],
        )  # fmt: skip


class PayrollRowRead(BaseModel):
    employee_number: str
    period: str
    wage_type: str
    amount: Decimal
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
                amount=r.amount,
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

    percent: Decimal = Field(description="(sales − cost) / sales of the line of business, in %")


class GrossProfitRead(BaseModel):
    entity: str
    year: int
    percent: Decimal

    @classmethod
    def of(cls, figure: GrossProfitPercentage) -> GrossProfitRead:
        return cls(entity=figure.entity, year=figure.year, percent=figure.percent)
