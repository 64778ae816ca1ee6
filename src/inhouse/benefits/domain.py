"""Taxable benefit of staff discounts (design/benefits.md).

A discount that an employee gets is pay in kind. For each purchase and return of an
employee (a ``BenefitLine``) this module values the benefit under the rules of the
country of the *employing* entity, adds the lines up per employee, employment and
period, and says in words how each figure came about.

Rules and the periods they count in:

========  ===================================================  ==============================
country   rule                                                 statement period
========  ===================================================  ==============================
DE        § 8 (3) EStG: own employer's goods and services       calendar year, per employment;
          sold to end customers: 96 % of the end price −        allowance (Rabattfreibetrag)
          price paid                                            1,080.00 EUR
DE        § 8 (2) EStG: every other staff discount (sister      calendar month; Freigrenze
          company, items for employees only): end price −       50.00 EUR (44.00 before 2022):
          price paid; or, if chosen, the proven market price    at most → nothing taxable,
          − price paid (BMF 16.05.2013)                         more → all taxable
US        IRC § 132(c): discount tax-free up to the gross       calendar year
          profit percentage (goods) or 20 % (services) of the
          price; the excess is wages
UK (GB)   HMRC EIM21704: employer's cost − price paid           UK tax year (6 April–5 April)
========  ===================================================  ==============================

Decisions:

- **Rounding per line.** Each line's figures are rounded to the currency's minor unit
  (``ROUND_HALF_UP``) and statements add rounded lines.
- **Returns belong to the period of the purchase.** A return refers to its purchase
  line, which must be among the lines given. It reverses exactly what the returned
  units contributed: the purchase and its returns together count as the purchase of the
  units kept (``round(unit value × units kept)``), so returning everything leaves
  exactly zero, whatever the rounding. A return in January of a December purchase
  changes the December statement (year and month); the statement says so
  (``changed_after``) and payroll corrects that period.
- **Per employment.** Statements are kept per person *and* employing entity: a person
  who changes employer in the year gets each employment's allowance, and each
  employer's payroll gets its own figures.
- **Currency.** German allowances are in EUR, so a German line in another currency is
  refused (convert it first); lines of one statement in different currencies are
  refused too.
- **US gross profit percentage** is the one of the *seller's* line of business for the
  year before the purchase (Treas. Reg. § 1.132-3(c)(2)); a qualified goods line
  without it is refused.

Payroll export rows (``payroll_rows``) use these wage types, one row per statement and
wage type, zeros included (a full picture of each period: a corrected period that comes
to zero tells payroll to reverse what it booked):

=================  ====================================================  ========
wage type          meaning                                               period
=================  ====================================================  ========
``DE83-TAXABLE``   § 8 (3) EStG benefit above the Rabattfreibetrag         year
``DE83-FREE``      § 8 (3) EStG benefit covered by the Rabattfreibetrag    year
``DE82-TAXABLE``   § 8 (2) EStG benefit of a month above the Freigrenze    month
``DE82-FREE``      § 8 (2) EStG benefit of a month within the Freigrenze   month
``US132C-TAXABLE`` discount above the § 132(c) limit: taxable wages        year
``US132C-FREE``    qualified employee discount excluded by § 132(c)        year
``UKBIK-TAXABLE``  UK benefit in kind: cost − price paid (EIM21704)        tax year
=================  ====================================================  ========

Pure standard library with the ``inhouse.money`` and ``inhouse.errors`` kernels;
nothing here reads the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from enum import Enum

from inhouse.errors import InvalidRequest
from inhouse.money import CurrencyMismatch, Money, UnknownCurrency, format_amount, round_money

__all__ = [
    "FREIGRENZE",
    "RABATTFREIBETRAG",
    "BenefitLine",
    "BenefitStatement",
    "GrossProfitPercentage",
    "InvalidBenefitLines",
    "Jurisdiction",
    "MarketValuation",
    "PayrollRow",
    "ProductKind",
    "Relation",
    "Rule",
    "Scheme",
    "TaxPeriod",
    "ValuedLine",
    "WageType",
    "benefit_statements",
    "payroll_rows",
]

HUNDRED = Decimal(100)
ZERO = Decimal(0)
END_PRICE_SHARE = Decimal("0.96")  # § 8 (3) Satz 1 EStG: the end price less 4 %
SERVICE_LIMIT_PCT = Decimal(20)  # IRC § 132(c)(1)(B)
EUR = "EUR"

# Figures that changed over time: (first day it applies, amount in EUR), newest first.
RABATTFREIBETRAG: tuple[tuple[date, Decimal], ...] = ((date(2004, 1, 1), Decimal("1080.00")),)
FREIGRENZE: tuple[tuple[date, Decimal], ...] = (
    (date(2022, 1, 1), Decimal("50.00")),  # § 8 (2) Satz 11 EStG as of the JStG 2020
    (date(2004, 1, 1), Decimal("44.00")),
)


# --------------------------------------------------------------------------- vocabulary


class Relation(Enum):
    """How the buyer is related to the seller (the groups context's classification)."""

    EMPLOYEE = "employee"  # employed by (or a retiree of) the seller's entity
    GROUP_EMPLOYEE = "group_employee"  # employed by another entity of the seller's group


class ProductKind(Enum):
    GOODS = "goods"
    SERVICE = "service"


class Jurisdiction(Enum):
    """Whose tax rules apply: the country of the employing entity."""

    DE = "DE"
    US = "US"
    UK = "UK"


_COUNTRIES = {
    "DE": Jurisdiction.DE,
    "US": Jurisdiction.US,
    "GB": Jurisdiction.UK,
    "UK": Jurisdiction.UK,
}


def has_rules_for(country: str | None) -> bool:
    """Whether benefits of employees of an entity in ``country`` can be valued."""
    return country in _COUNTRIES


class Scheme(Enum):
    """A set of lines whose benefits are added up against one allowance or limit."""

    DE_8_3 = "§ 8 (3) EStG"
    DE_8_2 = "§ 8 (2) EStG"
    US_132C = "IRC § 132(c)"
    UK_EIM21704 = "HMRC EIM21704"


class Rule(Enum):
    """The valuation rule applied to a line."""

    DE_8_3 = "§ 8 (3) EStG: 96 % of the end price − price paid"
    DE_8_2 = "§ 8 (2) EStG: end price − price paid"
    DE_8_2_MARKET = (
        "§ 8 (2) EStG at the proven market price (BMF 16.05.2013): market price − price paid"
    )
    US_132C_GOODS = "IRC § 132(c)(1)(A): tax-free up to the gross profit percentage of the price"
    US_132C_SERVICES = "IRC § 132(c)(1)(B): tax-free up to 20 % of the price"
    US_NOT_QUALIFIED = "IRC § 132(c)(4): not a qualified employee discount, all of it is wages"
    UK_COST = "HMRC EIM21704: the employer's cost − price paid"

    @property
    def scheme(self) -> Scheme:
        return _SCHEME_OF_RULE[self]


_SCHEME_OF_RULE = {
    Rule.DE_8_3: Scheme.DE_8_3,
    Rule.DE_8_2: Scheme.DE_8_2,
    Rule.DE_8_2_MARKET: Scheme.DE_8_2,
    Rule.US_132C_GOODS: Scheme.US_132C,
    Rule.US_132C_SERVICES: Scheme.US_132C,
    Rule.US_NOT_QUALIFIED: Scheme.US_132C,
    Rule.UK_COST: Scheme.UK_EIM21704,
}


class WageType(Enum):
    """Payroll wage types of the export (see the module docstring)."""

    DE_8_3_TAXABLE = "DE83-TAXABLE"
    DE_8_3_FREE = "DE83-FREE"
    DE_8_2_TAXABLE = "DE82-TAXABLE"
    DE_8_2_FREE = "DE82-FREE"
    US_132C_TAXABLE = "US132C-TAXABLE"
    US_132C_FREE = "US132C-FREE"
    UK_BIK_TAXABLE = "UKBIK-TAXABLE"


class InvalidBenefitLines(InvalidRequest):
    """Lines that cannot be valued; every problem is named, nothing is computed."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


# --------------------------------------------------------------------------- periods


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True, order=True)
class TaxPeriod:
    """A period a benefit counts in, half-open: ``start <= d < end``; ``label`` for payroll."""

    start: date
    end: date
    label: str

    @classmethod
    def calendar_year(cls, year: int) -> TaxPeriod:
        return cls(date(year, 1, 1), date(year + 1, 1, 1), f"{year}")

    @classmethod
    def calendar_month(cls, year: int, month: int) -> TaxPeriod:
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(date(year, month, 1), end, f"{year}-{month:02d}")

    @classmethod
    def uk_tax_year(cls, first_year: int) -> TaxPeriod:
        """The UK tax year from 6 April ``first_year`` to 5 April of the next year: ``2025-26``."""
        return cls(
            date(first_year, 4, 6),
            date(first_year + 1, 4, 6),
            f"{first_year}-{(first_year + 1) % 100:02d}",
        )

    @classmethod
    def uk_tax_year_of(cls, day: date) -> TaxPeriod:
        return cls.uk_tax_year(day.year if day >= date(day.year, 4, 6) else day.year - 1)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def describe(self) -> str:
        """Words for evidence: ``2026``, ``March 2026``, ``tax year 2025-26 (6 April 2025 to 5 April 2026)``."""
        if (self.start.month, self.start.day) == (4, 6):
            return f"tax year {self.label} (6 April {self.start.year} to 5 April {self.end.year})"
        if self.end == date(self.start.year + 1, 1, 1) and self.start.month == 1:
            return self.label
        return f"{_MONTHS[self.start.month - 1]} {self.start.year}"


def _period_of(scheme: Scheme, day: date) -> TaxPeriod:
    if scheme is Scheme.DE_8_2:
        return TaxPeriod.calendar_month(day.year, day.month)
    if scheme is Scheme.UK_EIM21704:
        return TaxPeriod.uk_tax_year_of(day)
    return TaxPeriod.calendar_year(day.year)


def _figure_on(table: tuple[tuple[date, Decimal], ...], day: date) -> Decimal | None:
    return next((amount for since, amount in table if day >= since), None)


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True, kw_only=True)
class BenefitLine:
    """One purchase (positive ``quantity``) or return (negative, naming ``original_line``).

    Prices are per unit in ``currency``: ``list_price`` is the end price offered to end
    customers, ``price_paid`` what the employee paid, ``unit_cost`` the employer's cost
    of providing one unit (needed in the UK), ``market_price`` a proven lowest market
    price (optional, DE). A return repeats its purchase's fields, with its own ``id``,
    date ``on`` and negative ``quantity``.
    """

    id: str
    person: str
    employee_number: str
    employer: str  # the employing entity
    employer_country: str  # DE, US, GB (UK)
    seller: str  # the selling entity
    relation: Relation
    on: date
    product: str
    kind: ProductKind = ProductKind.GOODS
    for_employees_only: bool = False
    list_price: Decimal
    price_paid: Decimal
    unit_cost: Decimal | None = None
    market_price: Decimal | None = None
    quantity: int
    currency: str
    original_line: str | None = None  # a return: the id of the purchase line it reverses
    retiree: bool = False  # the employment is a retirement (DE § 8 (3): retirees qualify)
    same_line_of_business: bool = True  # US: the seller's line of business is the employee's
    investment_property: bool = False  # US: real estate or property held for investment
    market_valuation_chosen: bool = False  # DE: value at the market price under § 8 (2)

    @property
    def is_return(self) -> bool:
        return self.original_line is not None


@dataclass(frozen=True, slots=True)
class GrossProfitPercentage:
    """US: ``(sales − cost) / sales`` in percent of an entity's line of business in ``year``.

    It applies to discounts on goods sold in the *following* year (Treas. Reg.
    § 1.132-3(c)(2)): the 2025 figure limits 2026's tax-free discounts.
    """

    entity: str
    year: int
    percent: Decimal


# --------------------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class MarketValuation:
    """DE, BMF 16.05.2013: a § 8 (3) line with a proven market price, valued both ways."""

    section_8_3: Money  # 96 % of the end price − price paid
    section_8_2: Money  # market price − price paid
    lower: Scheme | None  # the scheme whose valuation is lower per unit; None when equal
    chosen: Scheme  # § 8 (3) unless § 8 (2) was chosen


@dataclass(frozen=True, slots=True)
class ValuedLine:
    """A line with its rule, the period it counts in and its figures, rounded per line.

    ``discount`` is (list price − price paid) × quantity; ``benefit`` the value under the
    rule. ``tax_free`` and ``taxable`` are decided per line in the US and UK; in Germany
    they are decided per statement (allowance, Freigrenze) and are ``None`` here.
    A return's figures are negative: what its units took back from the purchase.
    """

    line: BenefitLine
    rule: Rule
    period: TaxPeriod
    discount: Money
    benefit: Money
    tax_free: Money | None
    taxable: Money | None
    market_valuation: MarketValuation | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BenefitStatement:
    """The benefits of one employee's employment in one period under one scheme.

    ``benefit == tax_free + taxable``. ``allowance`` is the Rabattfreibetrag (§ 8 (3)) or
    the monthly Freigrenze (§ 8 (2)) and ``allowance_used`` the part of the benefit it
    keeps tax-free; elsewhere ``allowance`` is ``None``. ``changed_after`` is the latest
    date, after the period ended, of a return that changed the statement.
    """

    person: str
    employee_number: str
    employer: str
    jurisdiction: Jurisdiction
    scheme: Scheme
    period: TaxPeriod
    currency: str
    lines: tuple[ValuedLine, ...]
    benefit: Money
    allowance: Money | None
    allowance_used: Money
    tax_free: Money
    taxable: Money
    changed_after: date | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PayrollRow:
    """One row of the payroll export."""

    employee_number: str
    period: str
    wage_type: WageType
    amount: Decimal
    currency: str

    def as_record(self) -> dict[str, str]:
        """The CSV row: ``employee_number, period, wage_type, amount, currency``."""
        return {
            "employee_number": self.employee_number,
            "period": self.period,
            "wage_type": self.wage_type.value,
            "amount": f"{self.amount:f}",
            "currency": self.currency,
        }


# --------------------------------------------------------------------------- words


def _amount(value: Decimal, currency: str) -> str:
    """An amount for evidence: at the minor unit, or exact when it has more digits (9.5904)."""
    rounded = round_money(value, currency)
    if rounded == value:
        return format_amount(value, currency)
    return f"{value.normalize():,f}"


def _pct(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return f"{text}%"


def _units(quantity: int) -> str:
    return "1 unit" if abs(quantity) == 1 else f"{abs(quantity)} units"


def _times(expression: str, quantity: int) -> str:
    """``(a − b)`` times a quantity, left out when it is 1."""
    return expression if quantity == 1 else f"({expression}) × {quantity}"


# --------------------------------------------------------------------------- valuation


@dataclass(frozen=True, slots=True)
class _Figures:
    """A line's figures for some number of units, each rounded."""

    discount: Money
    benefit: Money
    tax_free: Money | None
    taxable: Money | None
    market_8_3: Money | None
    market_8_2: Money | None

    def minus(self, other: _Figures) -> _Figures:
        def sub(a: Money | None, b: Money | None) -> Money | None:
            return None if a is None or b is None else a - b

        return _Figures(
            self.discount - other.discount,
            self.benefit - other.benefit,
            sub(self.tax_free, other.tax_free),
            sub(self.taxable, other.taxable),
            sub(self.market_8_3, other.market_8_3),
            sub(self.market_8_2, other.market_8_2),
        )


@dataclass(frozen=True, slots=True)
class _Valuation:
    """How one purchase line is valued: the rule, why, and the unit values behind it."""

    line: BenefitLine
    rule: Rule
    why: str
    gross_profit: GrossProfitPercentage | None

    @property
    def currency(self) -> str:
        return self.line.currency

    def _money(self, value: Decimal) -> Money:
        return Money(round_money(value, self.currency), self.currency)

    @property
    def unit_8_3(self) -> Decimal:
        return max(ZERO, self.line.list_price * END_PRICE_SHARE - self.line.price_paid)

    @property
    def unit_market(self) -> Decimal | None:
        market = self.line.market_price
        return None if market is None else max(ZERO, market - self.line.price_paid)

    @property
    def unit_discount(self) -> Decimal:
        return max(ZERO, self.line.list_price - self.line.price_paid)

    @property
    def limit_pct(self) -> Decimal:
        if self.rule is Rule.US_132C_SERVICES:
            return SERVICE_LIMIT_PCT
        if self.rule is Rule.US_132C_GOODS and self.gross_profit is not None:
            return self.gross_profit.percent
        return ZERO

    def figures(self, units: int) -> _Figures:
        """The rounded figures of ``units`` units (``units >= 0``)."""
        line, rule = self.line, self.rule
        discount = self._money(self.unit_discount * units)
        tax_free: Money | None = None
        taxable: Money | None = None
        market_8_3 = market_8_2 = None
        unit_market = self.unit_market
        if rule in (Rule.DE_8_3, Rule.DE_8_2_MARKET) and unit_market is not None:
            market_8_3 = self._money(self.unit_8_3 * units)
            market_8_2 = self._money(unit_market * units)
        if rule is Rule.DE_8_3:
            benefit = self._money(self.unit_8_3 * units)
        elif rule is Rule.DE_8_2:
            benefit = discount
        elif rule is Rule.DE_8_2_MARKET:
            benefit = self._money((unit_market or ZERO) * units)
        elif rule is Rule.UK_COST:
            benefit = self._money(max(ZERO, (line.unit_cost or ZERO) - line.price_paid) * units)
            tax_free, taxable = Money.zero(self.currency), benefit
        else:  # the US
            benefit = discount
            limit = self._money(self.limit_pct / HUNDRED * line.list_price * units)
            tax_free = discount.min(limit)
            taxable = discount - tax_free
        return _Figures(discount, benefit, tax_free, taxable, market_8_3, market_8_2)

    def market_valuation(self, figures: _Figures) -> MarketValuation | None:
        unit_market = self.unit_market
        if figures.market_8_3 is None or figures.market_8_2 is None or unit_market is None:
            return None
        lower = None
        if unit_market < self.unit_8_3:
            lower = Scheme.DE_8_2
        elif self.unit_8_3 < unit_market:
            lower = Scheme.DE_8_3
        return MarketValuation(figures.market_8_3, figures.market_8_2, lower, self.rule.scheme)

    # ------------------------------------------------------------------ evidence

    def valuation_words(self, units: int, figures: _Figures) -> list[str]:
        """How ``units`` units were valued, in sentences."""
        line, rule, cur = self.line, self.rule, self.currency

        def a(value: Decimal) -> str:
            return _amount(value, cur)

        list_price, paid = a(line.list_price), a(line.price_paid)
        words: list[str] = []
        if rule is Rule.DE_8_3:
            end_price = line.list_price * END_PRICE_SHARE
            if self.unit_8_3 == ZERO:
                words.append(
                    f"96 % of the end price {list_price} = {a(end_price)} is not above the "
                    f"{paid} paid: no benefit"
                )
            else:
                words.append(
                    f"96 % of the end price {list_price} = {a(end_price)}; "
                    f"{_times(f'{a(end_price)} − {paid} paid', units)} = "
                    f"{figures.benefit.format()} benefit"
                )
        elif rule is Rule.DE_8_2:
            if self.unit_discount == ZERO:
                words.append(f"the {paid} paid is not below the end price {list_price}: no benefit")
            else:
                words.append(
                    f"{_times(f'end price {list_price} − {paid} paid', units)} = "
                    f"{figures.benefit.format()} benefit"
                )
        elif rule is Rule.DE_8_2_MARKET:
            words.append(
                f"{_times(f'market price {a(line.market_price or ZERO)} − {paid} paid', units)} = "
                f"{figures.benefit.format()} benefit"
            )
        elif rule is Rule.UK_COST:
            cost = a(line.unit_cost or ZERO)
            if figures.benefit.is_zero():
                words.append(f"the {paid} paid covers the cost {cost}: nothing taxable")
            else:
                words.append(
                    f"{_times(f'cost {cost} − {paid} paid', units)} = "
                    f"{figures.benefit.format()} taxable"
                )
        else:
            discount = (
                f"{_times(f'{list_price} − {paid} paid', units)} = {figures.discount.format()}"
            )
            if rule is Rule.US_NOT_QUALIFIED:
                words.append(f"discount {discount}, all of it taxable wages")
            else:
                basis = (
                    f"gross profit percentage of {line.seller} in {self.gross_profit.year}"
                    if self.gross_profit is not None
                    else "services"
                )
                limit_units = "" if units == 1 else f" × {units}"
                limit = self._money(self.limit_pct / HUNDRED * line.list_price * units)
                tax_free, taxable = figures.tax_free, figures.taxable
                assert tax_free is not None and taxable is not None
                words.append(
                    f"discount {discount}; limit {_pct(self.limit_pct)} ({basis}) × "
                    f"{list_price}{limit_units} = {limit.format()}; "
                    f"tax-free {tax_free.format()}, taxable {taxable.format()}"
                )
        if figures.market_8_2 is not None and figures.market_8_3 is not None:
            words.append(self._market_words(figures))
        return words

    def _market_words(self, figures: _Figures) -> str:
        assert figures.market_8_2 is not None and figures.market_8_3 is not None
        cur = self.currency
        market = _amount(self.line.market_price or ZERO, cur)
        v82, v83 = figures.market_8_2, figures.market_8_3
        if v82 < v83:
            comparison = (
                f"lower than the § 8 (3) valuation {v83.format()} by {(v83 - v82).format()}"
            )
        elif v83 < v82:
            comparison = (
                f"higher than the § 8 (3) valuation {v83.format()} by {(v82 - v83).format()}"
            )
        else:
            comparison = f"equal to the § 8 (3) valuation {v83.format()}"
        if self.rule is Rule.DE_8_2_MARKET:
            choice = (
                "§ 8 (2) was chosen: the line counts towards the monthly Freigrenze, "
                "not the § 8 (3) allowance"
            )
        else:
            choice = "§ 8 (3) applies unless § 8 (2) is chosen"
        return (
            f"BMF 16.05.2013: at the proven market price {market}, § 8 (2) EStG values it at "
            f"{v82.format()}, {comparison}; {choice}"
        )


def _rule_of(
    line: BenefitLine,
    jurisdiction: Jurisdiction,
    gross_profit: Mapping[tuple[str, int], GrossProfitPercentage],
) -> tuple[Rule, str, GrossProfitPercentage | None]:
    """The rule for a purchase line, and why, in words."""
    employer, seller = line.employer, line.seller
    if jurisdiction is Jurisdiction.DE:
        if line.relation is Relation.EMPLOYEE and not line.for_employees_only:
            why = f"§ 8 (3) EStG: the employer {seller} sells it to end customers"
            if line.retiree:
                why += f"; as a retiree of {employer} the buyer qualifies like an employee"
            if line.market_valuation_chosen:
                return Rule.DE_8_2_MARKET, why, None
            return Rule.DE_8_3, why, None
        if line.for_employees_only:
            why = f"§ 8 (2) EStG: {seller} sells it to employees only, not to end customers"
        else:
            why = (
                f"§ 8 (2) EStG: the seller {seller} is a group company, not the employer "
                f"{employer} (group discount, BFH VI R 39/16)"
            )
        return Rule.DE_8_2, why, None
    if jurisdiction is Jurisdiction.UK:
        return (
            Rule.UK_COST,
            "HMRC EIM21704: the benefit is the employer's cost less the price paid",
            None,
        )
    if line.investment_property:
        why = "IRC § 132(c)(4): real estate and investment property are not qualified property"
        return Rule.US_NOT_QUALIFIED, why, None
    if not line.same_line_of_business:
        why = (
            f"IRC § 132(c)(4): {seller} does not sell it in the line of business in which the "
            "employee works"
        )
        return Rule.US_NOT_QUALIFIED, why, None
    whose = (
        f"the employer {seller}"
        if line.relation is Relation.EMPLOYEE
        else f"{seller}, one employer with {employer} in the controlled group (IRC § 414), "
        "in the same line of business"
    )
    if line.kind is ProductKind.SERVICE:
        return (
            Rule.US_132C_SERVICES,
            f"IRC § 132(c): qualified employee discount on services of {whose}",
            None,
        )
    figure = gross_profit.get((seller, line.on.year - 1))
    return (
        Rule.US_132C_GOODS,
        f"IRC § 132(c): qualified employee discount on goods of {whose}",
        figure,
    )


# --------------------------------------------------------------------------- checks


_AMOUNTS = ("list_price", "price_paid", "unit_cost", "market_price")
# A return repeats its purchase in everything but these.
_RETURN_OWN_FIELDS = frozenset({"id", "on", "quantity", "original_line"})


def _line_problems(
    line: BenefitLine,
    gross_profit: Mapping[tuple[str, int], GrossProfitPercentage],
) -> list[str]:
    """What is wrong with a line on its own (a return is checked against its purchase later)."""
    problems: list[str] = []
    say = problems.append
    if not line.id:
        say("a line has no id")
    for name in _AMOUNTS:
        value = getattr(line, name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, Decimal):
            say(f"{name} is a Decimal, not {type(value).__name__}")
        elif not value.is_finite() or value < ZERO:
            say(f"{name} {value} is not an amount of zero or more")
    if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity == 0:
        say(f"quantity {line.quantity} is not a whole number other than zero")
    elif line.is_return and line.quantity > 0:
        say(f"a return has a negative quantity, not {line.quantity}")
    elif not line.is_return and line.quantity < 0:
        say(f"quantity {line.quantity} is negative but the line names no original_line it returns")
    try:
        Money.zero(line.currency)
    except UnknownCurrency as error:
        say(str(error))
    jurisdiction = _COUNTRIES.get(line.employer_country)
    if jurisdiction is None:
        say(f'employer country "{line.employer_country}" has no rules here (DE, US, GB)')
    if line.relation is Relation.EMPLOYEE and line.seller != line.employer:
        say(f"relation employee but the seller {line.seller} is not the employer {line.employer}")
    if line.relation is Relation.GROUP_EMPLOYEE and line.seller == line.employer:
        say(f"relation group_employee but the seller {line.seller} is the employer itself")
    if line.market_valuation_chosen and (
        jurisdiction is not Jurisdiction.DE
        or line.relation is not Relation.EMPLOYEE
        or line.for_employees_only
        or line.market_price is None
    ):
        say(
            "market valuation (BMF 16.05.2013) is chosen for a line that is not a German "
            "§ 8 (3) line with a market price"
        )
    if jurisdiction is Jurisdiction.DE and _figure_on(RABATTFREIBETRAG, line.on) is None:
        say(f"no German allowances are recorded for {line.on.year}")
    if jurisdiction is Jurisdiction.UK and line.unit_cost is None:
        say("a UK line needs the unit_cost of the employer (EIM21704)")
    if (
        jurisdiction is Jurisdiction.US
        and not line.is_return
        and line.kind is ProductKind.GOODS
        and line.same_line_of_business
        and not line.investment_property
        and (line.seller, line.on.year - 1) not in gross_profit
    ):
        say(
            f"no gross profit percentage of {line.seller} for {line.on.year - 1}, which limits "
            f"the tax-free discount on goods bought in {line.on.year}"
        )
    return problems


def _return_problems(ret: BenefitLine, purchase: BenefitLine | None) -> list[str]:
    if purchase is None:
        return [
            f"it returns line {ret.original_line}, which is not among the lines "
            "(a statement needs each purchase with its returns)"
        ]
    if purchase.is_return:
        return [f"it returns line {purchase.id}, which is itself a return"]
    problems: list[str] = []
    differing = [
        f.name
        for f in fields(BenefitLine)
        if f.name not in _RETURN_OWN_FIELDS and getattr(ret, f.name) != getattr(purchase, f.name)
    ]
    if differing:
        problems.append(
            f"it differs from the purchase {purchase.id} in {', '.join(differing)}; "
            "a return reverses its purchase as it was"
        )
    if ret.on < purchase.on:
        problems.append(f"it is dated {ret.on}, before its purchase {purchase.id} of {purchase.on}")
    return problems


def _gross_profit_index(
    figures: Iterable[GrossProfitPercentage],
) -> tuple[dict[tuple[str, int], GrossProfitPercentage], list[str]]:
    index: dict[tuple[str, int], GrossProfitPercentage] = {}
    problems: list[str] = []
    for figure in figures:
        key = (figure.entity, figure.year)
        if key in index:
            problems.append(
                f"gross profit percentage of {figure.entity} for {figure.year} is given twice"
            )
        elif not isinstance(figure.percent, Decimal) or not ZERO <= figure.percent <= HUNDRED:
            problems.append(
                f"gross profit percentage of {figure.entity} for {figure.year} is "
                f"{figure.percent}, not a Decimal from 0 to 100"
            )
        else:
            index[key] = figure
    return index, problems


# --------------------------------------------------------------------------- statements


def benefit_statements(
    lines: Iterable[BenefitLine],
    gross_profit: Iterable[GrossProfitPercentage] = (),
) -> tuple[BenefitStatement, ...]:
    """Value every line and add them up per employee, employment, scheme and period.

    Returns must come with their purchases. Raises ``InvalidBenefitLines`` naming every
    problem of the input, and ``CurrencyMismatch`` when a statement would mix currencies
    (or a German line is not in EUR). Statements come sorted by person, employer,
    scheme and period; their lines keep the input order.
    """
    given = list(lines)
    gp_index, problems = _gross_profit_index(gross_profit)
    by_id: dict[str, BenefitLine] = {}
    for line in given:
        by_id.setdefault(line.id, line)
    problems.extend(_problems(given, by_id, gp_index))
    if problems:
        raise InvalidBenefitLines(problems)
    _refuse_mixed_currencies(given)

    valued = _value_lines(given, by_id, gp_index)
    groups: dict[tuple[str, str, Scheme, TaxPeriod], list[ValuedLine]] = defaultdict(list)
    for item in valued:
        line = item.line
        groups[(line.person, line.employer, item.rule.scheme, item.period)].append(item)
    order = list(Scheme)
    keys = sorted(groups, key=lambda k: (k[0], k[1], order.index(k[2]), k[3].start, k[3].end))
    return tuple(_statement(groups[key]) for key in keys)


def _problems(
    given: list[BenefitLine],
    by_id: Mapping[str, BenefitLine],
    gp_index: Mapping[tuple[str, int], GrossProfitPercentage],
) -> list[str]:
    """Every problem of the lines, in line order, then the returns that exceed purchases."""
    problems: list[str] = []
    seen: set[str] = set()
    employment_facts: dict[tuple[str, str], tuple[str, str]] = {}
    for line in given:
        found = _line_problems(line, gp_index)
        if line.id in seen:
            found.append("the id is used twice")
        seen.add(line.id)
        if line.is_return:
            found.extend(_return_problems(line, by_id.get(line.original_line or "")))
        facts = (line.employee_number, line.employer_country)
        known = employment_facts.setdefault((line.person, line.employer), facts)
        if known != facts:
            found.append(
                f"{line.person} at {line.employer} has employee number {known[0]} and "
                f"country {known[1]} on an earlier line"
            )
        problems.extend(f"line {line.id}: {problem}" for problem in found)
    problems.extend(_over_returned(given, by_id))
    return problems


def _over_returned(given: list[BenefitLine], by_id: Mapping[str, BenefitLine]) -> list[str]:
    returned: dict[str, int] = defaultdict(int)
    for line in given:
        if line.is_return and line.original_line in by_id:
            returned[line.original_line or ""] -= line.quantity
    return [
        f"line {pid}: {count} units are returned but only {by_id[pid].quantity} were bought"
        for pid, count in returned.items()
        if isinstance(by_id[pid].quantity, int) and count > by_id[pid].quantity
    ]


def _refuse_mixed_currencies(given: list[BenefitLine]) -> None:
    problems: list[str] = []
    seen: dict[tuple[str, str], BenefitLine] = {}
    for line in given:
        if _COUNTRIES[line.employer_country] is Jurisdiction.DE and line.currency != EUR:
            problems.append(
                f"line {line.id} is in {line.currency}, but German allowances are in EUR; "
                "convert it first"
            )
            continue
        first = seen.setdefault((line.person, line.employer), line)
        if first.currency != line.currency:
            problems.append(
                f"line {line.id} is in {line.currency}, line {first.id} of the same "
                f"employment in {first.currency}"
            )
    if problems:
        raise CurrencyMismatch(
            "; ".join(problems) + ": amounts in different currencies are never mixed"
        )


def _value_lines(
    given: list[BenefitLine],
    by_id: Mapping[str, BenefitLine],
    gp_index: Mapping[tuple[str, int], GrossProfitPercentage],
) -> list[ValuedLine]:
    """Each line valued; a return as the change it makes to its purchase."""
    valuations: dict[str, _Valuation] = {}
    for line in given:
        if not line.is_return:
            rule, why, figure = _rule_of(line, _COUNTRIES[line.employer_country], gp_index)
            valuations[line.id] = _Valuation(line, rule, why, figure)
    # units still kept of each purchase after the returns before each return
    kept = {pid: v.line.quantity for pid, v in valuations.items()}
    kept_before: dict[str, int] = {}
    for line in sorted((x for x in given if x.is_return), key=lambda x: x.on):
        pid = line.original_line or ""
        kept_before[line.id] = kept[pid]
        kept[pid] += line.quantity
    result: list[ValuedLine] = []
    for line in given:
        if line.is_return:
            purchase = by_id[line.original_line or ""]
            result.append(_valued_return(line, valuations[purchase.id], kept_before[line.id]))
        else:
            result.append(_valued_purchase(valuations[line.id]))
    return result


def _headline(line: BenefitLine) -> str:
    return f"{line.id}, {line.on}, {_units(line.quantity)} of {line.product} from {line.seller}"


def _valued_purchase(valuation: _Valuation) -> ValuedLine:
    line = valuation.line
    figures = valuation.figures(line.quantity)
    period = _period_of(valuation.rule.scheme, line.on)
    evidence = (
        f"{_headline(line)}: {valuation.why}",
        *valuation.valuation_words(line.quantity, figures),
    )
    return ValuedLine(
        line=line,
        rule=valuation.rule,
        period=period,
        discount=figures.discount,
        benefit=figures.benefit,
        tax_free=figures.tax_free,
        taxable=figures.taxable,
        market_valuation=valuation.market_valuation(figures),
        evidence=evidence,
    )


def _valued_return(line: BenefitLine, valuation: _Valuation, kept_before: int) -> ValuedLine:
    purchase = valuation.line
    kept_after = kept_before + line.quantity
    before, after = valuation.figures(kept_before), valuation.figures(kept_after)
    change = after.minus(before)
    period = _period_of(valuation.rule.scheme, purchase.on)
    late = (
        ""
        if period.contains(line.on)
        else (f"; it changes the statement of {period.describe()} after that period ended")
    )
    evidence = [
        f"{line.id}, {line.on}: return of {_units(line.quantity)} of line {purchase.id} "
        f"(bought {purchase.on}, {_units(purchase.quantity)}); it counts in "
        f"{period.describe()}, the period of the purchase{late}",
        f"{purchase.id}: {valuation.why}",
        f"the purchase now counts for {_units(kept_after)} instead of {kept_before}",
    ]
    if kept_after:
        evidence.extend(valuation.valuation_words(kept_after, after))
    if valuation.rule.scheme is Scheme.US_132C:
        assert change.tax_free is not None and change.taxable is not None
        evidence.append(
            f"the return changes the discount by {change.benefit.format()}, the tax-free part "
            f"by {change.tax_free.format()} and the taxable part by {change.taxable.format()}"
        )
    else:
        evidence.append(f"the return changes the benefit by {change.benefit.format()}")
    return ValuedLine(
        line=line,
        rule=valuation.rule,
        period=period,
        discount=change.discount,
        benefit=change.benefit,
        tax_free=change.tax_free,
        taxable=change.taxable,
        market_valuation=valuation.market_valuation(change),
        evidence=tuple(evidence),
    )


def _total(items: Iterable[Money | None], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        if item is not None:
            total += item
    return total


def _statement(items: list[ValuedLine]) -> BenefitStatement:
    first = items[0].line
    scheme, period, currency = items[0].rule.scheme, items[0].period, first.currency
    jurisdiction = _COUNTRIES[first.employer_country]
    benefit = _total((i.benefit for i in items), currency)
    count = "1 line" if len(items) == 1 else f"{len(items)} lines"
    where = f"{scheme.value}, {period.describe()}, {first.person} at {first.employer}"
    allowance: Money | None = None
    evidence: list[str] = []
    if scheme is Scheme.DE_8_3:
        figure = _figure_on(RABATTFREIBETRAG, period.start) or ZERO
        allowance = Money(figure, currency)
        allowance_used = benefit.min(allowance).max(Money.zero(currency))
        tax_free, taxable = allowance_used, benefit - allowance_used
        left = allowance - allowance_used
        evidence.append(
            f"{where}: {benefit.format()} benefit ({count}); allowance {allowance_used.format()} "
            f"used of {allowance.format()}, {left.format()} left; taxable {taxable}"
        )
        evidence.append(
            "the allowance is a yearly amount per employment and is not reduced for a part year"
        )
    elif scheme is Scheme.DE_8_2:
        figure = _figure_on(FREIGRENZE, period.start) or ZERO
        allowance = Money(figure, currency)
        if benefit <= allowance:
            allowance_used, tax_free, taxable = benefit, benefit, Money.zero(currency)
            verdict = f"at most the monthly Freigrenze of {allowance.format()}: nothing taxable"
        else:
            allowance_used, tax_free, taxable = Money.zero(currency), Money.zero(currency), benefit
            verdict = f"more than the monthly Freigrenze of {allowance.format()}: all of it taxable"
        evidence.append(
            f"{where}: {benefit.format()} benefit ({count}), {verdict}; taxable {taxable}"
        )
        evidence.append(
            "the Freigrenze does not carry over between months, and other benefits in kind of "
            "the month under § 8 (2) that inhouse does not record share it"
        )
    elif scheme is Scheme.US_132C:
        tax_free = _total((i.tax_free for i in items), currency)
        taxable = _total((i.taxable for i in items), currency)
        allowance_used = Money.zero(currency)
        evidence.append(
            f"{where}: discounts {benefit.format()} ({count}); tax-free {tax_free.format()}; "
            f"taxable wages {taxable}"
        )
    else:
        tax_free = Money.zero(currency)
        taxable = _total((i.taxable for i in items), currency)
        allowance_used = Money.zero(currency)
        evidence.append(f"{where}: {count}; taxable benefit {taxable}")
    late = [i.line.on for i in items if i.line.on >= period.end]
    changed_after = max(late) if late else None
    if changed_after is not None:
        evidence.append(
            f"returns after {period.describe()} ended (the last on {changed_after}) changed this "
            "statement; payroll corrects that period"
        )
    return BenefitStatement(
        person=first.person,
        employee_number=first.employee_number,
        employer=first.employer,
        jurisdiction=jurisdiction,
        scheme=scheme,
        period=period,
        currency=currency,
        lines=tuple(items),
        benefit=benefit,
        allowance=allowance,
        allowance_used=allowance_used,
        tax_free=tax_free,
        taxable=taxable,
        changed_after=changed_after,
        evidence=tuple(evidence),
    )


# --------------------------------------------------------------------------- payroll


_WAGE_TYPES: dict[Scheme, tuple[WageType, WageType | None]] = {
    Scheme.DE_8_3: (WageType.DE_8_3_TAXABLE, WageType.DE_8_3_FREE),
    Scheme.DE_8_2: (WageType.DE_8_2_TAXABLE, WageType.DE_8_2_FREE),
    Scheme.US_132C: (WageType.US_132C_TAXABLE, WageType.US_132C_FREE),
    Scheme.UK_EIM21704: (WageType.UK_BIK_TAXABLE, None),
}


def payroll_rows(statements: Iterable[BenefitStatement]) -> tuple[PayrollRow, ...]:
    """The payroll export: per statement its taxable amount and (DE, US) its tax-free part.

    Zeros are exported too, so each period's rows are the whole current answer.
    """
    rows: list[PayrollRow] = []
    for s in statements:
        taxable_type, free_type = _WAGE_TYPES[s.scheme]
        rows.append(
            PayrollRow(
                s.employee_number, s.period.label, taxable_type, s.taxable.amount, s.currency
            )
        )
        if free_type is not None:
            rows.append(
                PayrollRow(
                    s.employee_number, s.period.label, free_type, s.tax_free.amount, s.currency
                )
            )
    return tuple(rows)
