"""Products, programmes, quotes and returns: what an internal customer pays, and why.

See design/pricing.md. A quote prices each line under at most one programme (staff
discount, group staff discount, department charge or transfer price), chosen by
priority and then by the lower price, and says why every other programme did not
apply. Transfer prices are checked against an arm's-length range (DE § 1 (3a) AStG;
OECD TPG 3.57–3.62); low value-adding services are charged at cost plus 5 % (OECD TPG
7.61).

Pure standard library plus the money, dates and errors kernels and the groups domain,
whose ``Classification`` says who the buyer is to the seller on the date of the quote.
Nothing here reads the clock or keeps state: what the buyer has used of caps and
quantity limits this calendar year comes in as data, and a quote changes nothing.
Amounts are rounded once per line to the currency's minor unit, half up; totals add
rounded lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from itertools import pairwise
from typing import Protocol

from inhouse.dates import Period
from inhouse.errors import InvalidRequest
from inhouse.groups.domain import Classification, Relation, format_pct, trim
from inhouse.money import Money, minor_unit, round_money

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)
LOW_VALUE_MARKUP_PCT = Decimal(5)  # OECD TPG 7.61
ARMS_LENGTH_LAW = "DE § 1 (3a) AStG; OECD TPG 3.57–3.62"
LOW_VALUE_LAW = "OECD TPG 7.61"


# --------------------------------------------------------------------------- words


def _amount(value: Decimal, currency: str) -> str:
    """``4.50 EUR``; an amount finer than the minor unit keeps its digits: ``4.4955 EUR``."""
    if round_money(value, currency) == value:
        return str(Money(value, currency))
    return f"{value.normalize():,f} {currency}"


def _money(value: Money) -> str:
    return _amount(value.amount, value.currency)


def _signed(value: Money) -> str:
    return f"+{_money(value)}" if value.is_positive() else _money(value)


def _qty(value: Decimal) -> str:
    return f"{trim(value):f}"


# Who a relation makes the buyer, for sentences about the buyer and about a programme.
_BUYER_IS = {
    Relation.SAME_ENTITY: "a unit of the seller's own legal entity",
    Relation.INTERCOMPANY: "another company of the seller's group",
    Relation.EMPLOYEE: "an employee of the seller",
    Relation.GROUP_EMPLOYEE: "an employee of another company of the seller's group",
    Relation.RELATED_PARTY: "a related party of the seller's group",
    Relation.EXTERNAL: "an external customer",
}
_PROGRAMME_IS_FOR = {
    Relation.SAME_ENTITY: "units of the seller's own legal entity",
    Relation.INTERCOMPANY: "other companies of the seller's group",
    Relation.EMPLOYEE: "employees of the seller",
    Relation.GROUP_EMPLOYEE: "employees of other companies of the seller's group",
}


# --------------------------------------------------------------------------- products


class ProductKind(Enum):
    GOODS = "goods"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class DatedAmount:
    """One entry of a price or cost history: an amount in the product's currency for a period."""

    amount: Decimal
    period: Period = Period()

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, Decimal):
            raise TypeError(f"an amount is a Decimal, not {type(self.amount).__name__}")
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError(f"an amount is a finite number of at least 0, not {self.amount}")


def _check_history(product: str, what: str, history: tuple[DatedAmount, ...]) -> None:
    """Refuse two entries that are valid on the same day: a price on a date is one price."""
    ordered = sorted(history, key=lambda entry: entry.period.valid_from or date.min)
    for before, after in pairwise(ordered):
        ends, starts = before.period.valid_to, after.period.valid_from
        if ends is None or starts is None or ends > starts:
            raise ValueError(
                f"{product}: two {what}s are valid on the same day "
                f"({before.period.describe() or 'always'} and {after.period.describe() or 'always'})"
            )


def _on(history: tuple[DatedAmount, ...], day: date) -> Decimal | None:
    for entry in history:
        if entry.period.contains(day):
            return entry.amount
    return None


@dataclass(frozen=True, slots=True)
class Product:
    """Something an entity sells, with its dated list prices and unit costs.

    ``list_prices`` are end-customer prices (gross of any staff discount), ``unit_costs``
    production or purchase costs, both in ``currency`` and valid for half-open periods
    that do not overlap. ``for_employees_only``: made mainly for staff (benefits.md).
    """

    id: str
    seller: str
    name: str
    currency: str
    list_prices: tuple[DatedAmount, ...]
    unit_costs: tuple[DatedAmount, ...] = ()
    kind: ProductKind = ProductKind.GOODS
    category: str | None = None
    for_employees_only: bool = False

    def __post_init__(self) -> None:
        minor_unit(self.currency)  # refuses anything that is not an ISO 4217 code
        _check_history(self.id, "list price", self.list_prices)
        _check_history(self.id, "unit cost", self.unit_costs)

    def list_price_on(self, day: date) -> Money:
        """The list price valid on ``day``; ``InvalidRequest`` when there is none."""
        amount = _on(self.list_prices, day)
        if amount is None:
            raise InvalidRequest(f"{self.id} ({self.name}) has no list price on {day}")
        return Money(amount, self.currency)

    def unit_cost_on(self, day: date) -> Money | None:
        amount = _on(self.unit_costs, day)
        return None if amount is None else Money(amount, self.currency)

    def describe(self) -> str:
        """``Widget (W1, category tools)``."""
        if self.category is None:
            return f"{self.name} ({self.id})"
        return f"{self.name} ({self.id}, category {self.category})"


# --------------------------------------------------------------------------- programmes


class ProgrammeKind(Enum):
    STAFF_DISCOUNT = "staff_discount"
    GROUP_STAFF_DISCOUNT = "group_staff_discount"
    DEPARTMENT_CHARGE = "department_charge"
    TRANSFER_PRICE = "transfer_price"

    @property
    def relation(self) -> Relation:
        """The one relation a programme of this kind is for."""
        return _KIND_RELATION[self]

    @property
    def is_staff(self) -> bool:
        return self in (ProgrammeKind.STAFF_DISCOUNT, ProgrammeKind.GROUP_STAFF_DISCOUNT)

    @property
    def words(self) -> str:
        return self.value.replace("_", " ")


_KIND_RELATION = {
    ProgrammeKind.STAFF_DISCOUNT: Relation.EMPLOYEE,
    ProgrammeKind.GROUP_STAFF_DISCOUNT: Relation.GROUP_EMPLOYEE,
    ProgrammeKind.DEPARTMENT_CHARGE: Relation.SAME_ENTITY,
    ProgrammeKind.TRANSFER_PRICE: Relation.INTERCOMPANY,
}


class TransferMethod(Enum):
    COST_PLUS = "cost_plus"  # unit cost × (1 + mark-up)
    RESALE_MINUS = "resale_minus"  # list price × (1 − margin)
    CUP = "cup"  # the list price: the comparable uncontrolled price


class ScopeKind(Enum):
    ENTITY = "entity"
    GROUP = "group"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class SellerScope:
    """Which sellers a programme covers: one entity, the entities of one group, or all."""

    kind: ScopeKind = ScopeKind.ALL
    id: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is ScopeKind.ALL) != (self.id is None):
            raise ValueError("a seller scope names an entity or a group, or it covers all sellers")

    @classmethod
    def entity(cls, entity: str) -> SellerScope:
        return cls(ScopeKind.ENTITY, entity)

    @classmethod
    def group(cls, group: str) -> SellerScope:
        return cls(ScopeKind.GROUP, group)

    @classmethod
    def any_seller(cls) -> SellerScope:
        return cls()

    def covers(self, sale: Classification) -> bool:
        if self.kind is ScopeKind.ENTITY:
            return sale.seller_entity == self.id
        if self.kind is ScopeKind.GROUP:
            return sale.group == self.id
        return True

    def describe(self) -> str:
        if self.kind is ScopeKind.ENTITY:
            return f"the seller {self.id}"
        if self.kind is ScopeKind.GROUP:
            return f"sellers of the {self.id} group"
        return "every seller"


@dataclass(frozen=True, slots=True)
class QuantityLimit:
    """At most ``max_quantity`` per person and calendar year of one product or of one category."""

    max_quantity: Decimal
    product: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if (self.product is None) == (self.category is None):
            raise ValueError("a quantity limit is for one product or for one category")
        if self.max_quantity <= 0:
            raise ValueError(f"a quantity limit is more than 0, not {self.max_quantity}")

    def covers(self, product: Product) -> bool:
        if self.product is not None:
            return product.id == self.product
        return product.category == self.category

    def describe(self) -> str:
        """``at most 1 a year of product PHONE`` or ``at most 2 a year in category phones``."""
        if self.product is not None:
            return f"at most {_qty(self.max_quantity)} a year of product {self.product}"
        return f"at most {_qty(self.max_quantity)} a year in category {self.category}"


@dataclass(frozen=True, slots=True)
class Programme:
    """A pricing rule for one relation (design/pricing.md, "Programmes").

    Percentages are in percent (``Decimal(15)`` is 15 %). ``discount_pct`` is for the
    staff kinds, ``markup_pct`` for department charges (default 0) and the cost-plus
    method, ``margin_pct`` for the resale-minus method. ``comparables`` (transfer prices
    only) are the comparables' mark-ups (cost plus), gross margins (resale minus) or
    prices (CUP), against which each price is checked. ``include_retirees``,
    ``waiting_days``, ``annual_cap`` and ``quantity_limits`` are for the two staff kinds;
    ``annual_cap`` is the most discount one person receives per calendar year (a line
    that would pass it gets the discount up to the cap). A line that would pass a
    quantity limit is not priced by the programme at all. A higher ``priority`` wins;
    empty ``categories_included`` means every category.
    """

    id: str
    name: str
    kind: ProgrammeKind
    seller_scope: SellerScope = SellerScope()
    period: Period = Period()
    priority: int = 0
    categories_included: frozenset[str] = frozenset()
    categories_excluded: frozenset[str] = frozenset()
    discount_pct: Decimal | None = None
    markup_pct: Decimal | None = None
    margin_pct: Decimal | None = None
    method: TransferMethod | None = None
    comparables: tuple[Decimal, ...] = ()
    include_retirees: bool = False
    waiting_days: int = 0
    annual_cap: Money | None = None
    quantity_limits: tuple[QuantityLimit, ...] = ()

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise ValueError(f"programme {self.id}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        kind, method = self.kind, self.method
        wanted = {
            "discount_pct": kind.is_staff,
            "markup_pct": kind is ProgrammeKind.DEPARTMENT_CHARGE
            or method is TransferMethod.COST_PLUS,
            "margin_pct": method is TransferMethod.RESALE_MINUS,
        }
        required = {
            "discount_pct": kind.is_staff,
            "markup_pct": method is TransferMethod.COST_PLUS,
            "margin_pct": method is TransferMethod.RESALE_MINUS,
        }
        problems: list[str] = []
        for name, allowed in wanted.items():
            value: Decimal | None = getattr(self, name)
            if value is None:
                if required[name]:
                    problems.append(f"{name} is required for {self._rule_name()}")
            elif not allowed:
                problems.append(f"{name} is not used by {self._rule_name()}")
            elif value < 0 or (name != "markup_pct" and value > HUNDRED):
                problems.append(f"{name} {value} is not a percentage between 0 and 100")
        if (kind is ProgrammeKind.TRANSFER_PRICE) != (method is not None):
            problems.append("a transfer price, and only a transfer price, names its method")
        if self.comparables and kind is not ProgrammeKind.TRANSFER_PRICE:
            problems.append("only transfer prices are checked against comparables")
        if len(self.comparables) == 1:
            problems.append("an arm's-length range needs at least 2 comparables")
        if not kind.is_staff and (
            self.include_retirees
            or self.waiting_days
            or self.annual_cap is not None
            or self.quantity_limits
        ):
            problems.append(
                "retirees, waiting days, annual caps and quantity limits are for staff programmes"
            )
        if self.waiting_days < 0:
            problems.append(f"waiting_days {self.waiting_days} is less than 0")
        if self.annual_cap is not None and not self.annual_cap.is_positive():
            problems.append(f"annual_cap {self.annual_cap} is not more than 0")
        if both := sorted(self.categories_included & self.categories_excluded):
            problems.append(f"categories both included and excluded: {', '.join(both)}")
        return problems

    def _rule_name(self) -> str:
        if self.method is not None:
            return f"the {self.method.value} method"
        return f"a {self.kind.words}"

    @property
    def label(self) -> str:
        """``staff discount S1 (Staff purchases)``: how evidence names the programme."""
        return f"{self.kind.words} {self.id} ({self.name})"

    @property
    def markup(self) -> Decimal:
        return self.markup_pct if self.markup_pct is not None else ZERO


# --------------------------------------------------------------------------- usage


@dataclass(frozen=True, slots=True)
class ProgrammeUsage:
    """What one buyer has used of one programme in one calendar year (from the orders ledger).

    ``discount`` is the discount received under the programme (in its cap's currency);
    ``by_product`` and ``by_category`` are the quantities bought under it.
    """

    programme: str
    year: int
    discount: Money | None = None
    by_product: Mapping[str, Decimal] = field(default_factory=dict)
    by_category: Mapping[str, Decimal] = field(default_factory=dict)


class _Ledger:
    """The buyer's use of each programme in the quote's year: recorded before, plus earlier lines."""

    def __init__(self, usage: Iterable[ProgrammeUsage], year: int) -> None:
        self.year = year
        self._before: dict[str, ProgrammeUsage] = {}
        seen: set[tuple[str, int]] = set()
        for entry in usage:
            key = (entry.programme, entry.year)
            if key in seen:
                raise InvalidRequest(
                    f"the usage of {entry.programme} in {entry.year} is given twice"
                )
            seen.add(key)
            if entry.year == year:  # caps and limits are per calendar year
                self._before[entry.programme] = entry
        self._discount: dict[str, Decimal] = defaultdict(Decimal)
        self._products: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self._categories: dict[tuple[str, str], Decimal] = defaultdict(Decimal)

    def discount_used(self, programme: Programme, cap: Money) -> Money:
        before = self._before.get(programme.id)
        recorded = Money.zero(cap.currency)
        if before is not None and before.discount is not None:
            if before.discount.currency != cap.currency:
                raise InvalidRequest(
                    f"the discount used under {programme.id} is in {before.discount.currency}, "
                    f"its annual cap in {cap.currency}"
                )
            recorded = before.discount
        return recorded + Money(self._discount[programme.id], cap.currency)

    def quantity_used(self, programme: Programme, limit: QuantityLimit) -> Decimal:
        before = self._before.get(programme.id)
        if limit.product is not None:
            recorded = before.by_product.get(limit.product, ZERO) if before else ZERO
            return recorded + self._products[(programme.id, limit.product)]
        category = limit.category or ""
        recorded = before.by_category.get(category, ZERO) if before else ZERO
        return recorded + self._categories[(programme.id, category)]

    def record(
        self, programme: Programme, product: Product, quantity: Decimal, discount: Money
    ) -> None:
        self._discount[programme.id] += discount.amount
        self._products[(programme.id, product.id)] += quantity
        if product.category is not None:
            self._categories[(programme.id, product.category)] += quantity


# --------------------------------------------------------------------------- arm's length


class Measure(Enum):
    """What a transfer price's comparables measure."""

    MARKUP_ON_COST = "markup_on_cost"  # cost plus
    GROSS_MARGIN = "gross_margin"  # resale minus
    PRICE = "price"  # comparable uncontrolled price

    @property
    def singular(self) -> str:
        return _MEASURE_WORDS[self][0]

    @property
    def plural(self) -> str:
        return _MEASURE_WORDS[self][1]


_MEASURE_WORDS = {
    Measure.MARKUP_ON_COST: ("mark-up on cost", "mark-ups on cost"),
    Measure.GROSS_MARGIN: ("gross margin", "gross margins"),
    Measure.PRICE: ("price", "prices"),
}
_METHOD_MEASURE = {
    TransferMethod.COST_PLUS: Measure.MARKUP_ON_COST,
    TransferMethod.RESALE_MINUS: Measure.GROSS_MARGIN,
    TransferMethod.CUP: Measure.PRICE,
}


@dataclass(frozen=True, slots=True)
class ArmsLengthRange:
    """The interquartile range of comparables (DE § 1 (3a) AStG; OECD TPG 3.57–3.62)."""

    values: tuple[Decimal, ...]  # sorted
    lower_quartile: Decimal
    median: Decimal
    upper_quartile: Decimal

    def contains(self, value: Decimal) -> bool:
        return self.lower_quartile <= value <= self.upper_quartile


def _median(values: Sequence[Decimal]) -> Decimal:
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def arms_length_range(comparables: Iterable[Decimal]) -> ArmsLengthRange:
    """Quartiles as the medians of the lower and upper halves of the sorted comparables.

    With an odd count the median itself belongs to neither half: 1, 2, 5, 6, 7, 9, 12,
    15, 18, 19, 27 gives 5, 9 and 18.
    """
    values = tuple(sorted(comparables))
    count = len(values)
    if count < 2:
        raise InvalidRequest(f"an arm's-length range needs at least 2 comparables, not {count}")
    lower, upper = values[: count // 2], values[(count + 1) // 2 :]
    return ArmsLengthRange(values, _median(lower), _median(values), _median(upper))


@dataclass(frozen=True, slots=True)
class ArmsLengthCheck:
    """Whether a tested mark-up, margin or price lies within the arm's-length range.

    Outside the range it is flagged and adjusted to the median; ``adjustment`` is what
    that changes on a priced line (``None`` within the range or outside a quote).
    """

    measure: Measure
    tested: Decimal
    comparables: ArmsLengthRange
    within: bool
    adjust_to: Decimal | None
    evidence: tuple[str, ...]
    adjustment: Money | None = None


def _measure_value(measure: Measure, value: Decimal, currency: str | None) -> str:
    if measure is Measure.PRICE:
        return _amount(value, currency or "")
    return format_pct(value)


def check_arms_length(
    tested: Decimal,
    comparables: Iterable[Decimal],
    *,
    measure: Measure = Measure.MARKUP_ON_COST,
    currency: str | None = None,
) -> ArmsLengthCheck:
    """Check a mark-up or margin (in percent) or a price (in ``currency``) against comparables."""
    if measure is Measure.PRICE and currency is None:
        raise InvalidRequest("comparable prices need their currency")
    span = arms_length_range(comparables)
    count = len(span.values)

    def words(value: Decimal) -> str:
        return _measure_value(measure, value, currency)

    halves = (
        "the median itself left out of both halves, as the count is odd"
        if count % 2
        else f"{count // 2} values in each half"
    )
    evidence = [
        f"Arm's-length range of {count} comparable {measure.plural}: "
        f"{words(span.lower_quartile)} to {words(span.upper_quartile)}, median "
        f"{words(span.median)} (interquartile range; the quartiles are the medians of the "
        f"lower and upper halves, {halves})"
    ]
    within = span.contains(tested)
    if within:
        evidence.append(
            f"The {measure.singular} of {words(tested)} lies within the range: "
            f"no adjustment ({ARMS_LENGTH_LAW})"
        )
    else:
        side = "below" if tested < span.lower_quartile else "above"
        evidence.append(
            f"The {measure.singular} of {words(tested)} lies {side} the range: flagged, to be "
            f"adjusted to the median of {words(span.median)} ({ARMS_LENGTH_LAW})"
        )
    return ArmsLengthCheck(
        measure=measure,
        tested=tested,
        comparables=span,
        within=within,
        adjust_to=None if within else span.median,
        evidence=tuple(evidence),
    )


# --------------------------------------------------------------------------- low value services


@dataclass(frozen=True, slots=True)
class ServiceCharge:
    """A charge for low value-adding intra-group services (OECD TPG 7.61)."""

    own_costs: Money
    markup_pct: Decimal
    markup: Money
    pass_through: Money
    charge: Money
    evidence: tuple[str, ...]


def low_value_service_charge(*, own_costs: Money, pass_through: Money) -> ServiceCharge:
    """Own costs plus 5 %, pass-through costs at cost: 180,000 + 9,000 + 20,000 = 209,000."""
    if own_costs.is_negative() or pass_through.is_negative():
        raise InvalidRequest("costs of a service are never negative")
    own = own_costs.rounded()
    passed = (pass_through + Money.zero(own.currency)).rounded()  # refuses another currency
    markup = (own * (LOW_VALUE_MARKUP_PCT / HUNDRED)).rounded()
    charge = own + markup + passed
    pct = format_pct(LOW_VALUE_MARKUP_PCT)
    evidence = (
        f"Low value-adding services are charged at own costs plus a {pct} mark-up, "
        f"pass-through costs at cost ({LOW_VALUE_LAW})",
        f"Own costs {own} plus {pct} = {own + markup} (mark-up {markup})",
        f"Pass-through costs {passed} at cost, without mark-up",
        f"Charge: {own + markup} + {passed} = {charge}",
    )
    return ServiceCharge(own, LOW_VALUE_MARKUP_PCT, markup, passed, charge, evidence)


# --------------------------------------------------------------------------- quotes


class Base(Enum):
    """What a line's price is worked out from."""

    LIST_PRICE = "list_price"
    UNIT_COST = "unit_cost"


class Reason(Enum):
    """Why a programme did not price a line."""

    RELATION = "relation"
    VALIDITY = "validity"
    SELLER_SCOPE = "seller_scope"
    CATEGORY = "category"
    RETIREE = "retiree"
    WAITING_PERIOD = "waiting_period"
    NO_UNIT_COST = "no_unit_cost"
    CURRENCY = "currency"
    QUANTITY_LIMIT = "quantity_limit"
    CAP_USED_UP = "cap_used_up"
    OUTRANKED = "outranked"  # it applied, but another programme won


@dataclass(frozen=True, slots=True)
class NotApplied:
    programme: str
    reason: Reason
    sentence: str


@dataclass(frozen=True, slots=True)
class QuoteLine:
    product: Product
    quantity: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, Decimal):
            raise InvalidRequest(f"a quantity is a Decimal, not {type(self.quantity).__name__}")
        if not self.quantity.is_finite() or self.quantity <= 0:
            raise InvalidRequest(f"a quantity is more than 0, not {self.quantity}")


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One line of a quote: its price, the programme that set it, and why.

    Line amounts (``list_amount``, ``base_amount``, ``amount``, ``discount``) are rounded
    once to the minor unit and are what is charged; the unit amounts are rounded for
    information. ``discount`` is a staff discount (list amount − amount); it is zero
    under the other kinds. ``cap_left`` is what is left of the programme's annual cap
    after this line.
    """

    number: int
    product: str
    category: str | None
    on: date
    quantity: Decimal
    relation: Relation
    product_kind: ProductKind
    for_employees_only: bool
    unit_cost: Money | None  # the product's unit cost on the day, if known
    programme: str | None
    programme_kind: ProgrammeKind | None
    base: Base
    list_price: Money
    list_amount: Money
    base_unit: Money
    base_amount: Money
    unit_price: Money
    amount: Money
    discount_unit: Money
    discount: Money
    cap_left: Money | None
    arms_length: ArmsLengthCheck | None
    evidence: tuple[str, ...]
    not_applied: tuple[NotApplied, ...]

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True, slots=True)
class Quote:
    """Prices for a buyer on a date; no state changes."""

    seller: str
    buyer: str
    on: date
    relation: Relation
    lines: tuple[PricedLine, ...]
    evidence: tuple[str, ...]

    @property
    def totals(self) -> dict[str, Money]:
        """The sum of the rounded line amounts, per currency."""
        return _sums(line.amount for line in self.lines)

    @property
    def discount_totals(self) -> dict[str, Money]:
        return _sums(line.discount for line in self.lines)


def _sums(amounts: Iterable[Money]) -> dict[str, Money]:
    sums: dict[str, Money] = {}
    for amount in amounts:
        sums[amount.currency] = sums.get(amount.currency, Money.zero(amount.currency)) + amount
    return sums


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A price that a programme would give a line (no programme: the list price)."""

    programme: Programme | None
    base: Base
    base_unit: Money
    base_amount: Money
    unit_price: Money
    amount: Money
    discount_unit: Money
    discount: Money
    cap_left: Money | None
    sentences: tuple[str, ...]
    arms_length: ArmsLengthCheck | None = None


def quote(
    *,
    buyer: Classification,
    lines: Sequence[QuoteLine],
    programmes: Iterable[Programme],
    usage: Iterable[ProgrammeUsage] = (),
    employed_since: date | None = None,
    retiree: bool = False,
) -> Quote:
    """Price ``lines`` sold by ``buyer.seller`` to ``buyer.buyer`` on ``buyer.on``.

    ``buyer`` is the classification of the sale on the date of the quote; its seller
    entity must sell every product. ``employed_since`` is the start of the employment
    that makes the buyer staff (for waiting periods) and ``retiree`` says whether that
    employment is a retirement. ``usage`` is what the buyer has used of each programme
    in the quote's calendar year before this quote (entries of other years are ignored);
    lines use caps and quantity limits in order.
    """
    on = buyer.on
    if not lines:
        raise InvalidRequest("a quote needs at least one line")
    if employed_since is not None and employed_since > on:
        raise InvalidRequest(
            f"an employment starting on {employed_since} is after the purchase on {on}"
        )
    ordered = sorted(programmes, key=lambda p: (-p.priority, p.id))
    ids = [p.id for p in ordered]
    if twice := sorted({i for i in ids if ids.count(i) > 1}):
        raise InvalidRequest(f"programmes given twice: {', '.join(twice)}")
    for line in lines:
        if line.product.seller != buyer.seller_entity:
            raise InvalidRequest(
                f"{line.product.id} is sold by {line.product.seller}, not by {buyer.seller_entity}"
            )
    pricing = _Pricing(buyer, ordered, _Ledger(usage, on.year), employed_since, retiree)
    priced = tuple(pricing.price(number, line) for number, line in enumerate(lines, start=1))
    relation = buyer.relation
    evidence = (
        f"{buyer.buyer} buys from {buyer.seller} on {on} as {_BUYER_IS[relation]} "
        f"({relation.value})",
        *buyer.evidence,
    )
    return Quote(buyer.seller, buyer.buyer, on, relation, priced, evidence)


class _Pricing:
    """One quote in progress: the sale, the programmes in order, and the buyer's usage so far."""

    def __init__(
        self,
        sale: Classification,
        programmes: list[Programme],
        ledger: _Ledger,
        employed_since: date | None,
        retiree: bool,
    ) -> None:
        self.sale = sale
        self.on = sale.on
        self.programmes = programmes
        self.ledger = ledger
        self.employed_since = employed_since
        self.retiree = retiree

    def price(self, number: int, line: QuoteLine) -> PricedLine:
        product, quantity = line.product, line.quantity
        list_price = product.list_price_on(self.on)
        list_amount = (list_price * quantity).rounded()
        intro = (
            f"Line {number}: {_qty(quantity)} × {product.describe()} from {self.sale.seller} on "
            f"{self.on} at a list price of {_money(list_price)}"
        )
        outcomes: list[NotApplied | _Candidate] = []
        for programme in self.programmes:
            refusal = self._refusal(programme, line)
            outcomes.append(
                refusal
                if refusal is not None
                else self._candidate(programme, line, list_price, list_amount)
            )
        candidates = [o for o in outcomes if isinstance(o, _Candidate)]
        winner = min(candidates, key=_rank, default=None)
        not_applied: list[NotApplied] = []
        for outcome in outcomes:
            if isinstance(outcome, NotApplied):
                not_applied.append(outcome)
            elif winner is not None and outcome is not winner:
                not_applied.append(_outranked(outcome, winner))
        if winner is None:
            winner = _at_list_price(quantity, list_price, list_amount)
        chosen = winner.programme
        if chosen is not None and chosen.kind.is_staff:
            self.ledger.record(chosen, product, quantity, winner.discount)
        return PricedLine(
            number=number,
            product=product.id,
            category=product.category,
            on=self.on,
            quantity=quantity,
            relation=self.sale.relation,
            product_kind=product.kind,
            for_employees_only=product.for_employees_only,
            unit_cost=product.unit_cost_on(self.on),
            programme=chosen.id if chosen is not None else None,
            programme_kind=chosen.kind if chosen is not None else None,
            base=winner.base,
            list_price=list_price,
            list_amount=list_amount,
            base_unit=winner.base_unit,
            base_amount=winner.base_amount,
            unit_price=winner.unit_price,
            amount=winner.amount,
            discount_unit=winner.discount_unit,
            discount=winner.discount,
            cap_left=winner.cap_left,
            arms_length=winner.arms_length,
            evidence=(
                intro,
                *winner.sentences,
                *(winner.arms_length.evidence if winner.arms_length else ()),
                *(n.sentence for n in not_applied),
            ),
            not_applied=tuple(not_applied),
        )

    # ------------------------------------------------------------------ eligibility

    def _refusal(self, programme: Programme, line: QuoteLine) -> NotApplied | None:
        """Why ``programme`` cannot price ``line``, or ``None`` when it can."""
        found = self._reason(programme, line)
        if found is None:
            return None
        reason, words = found
        return NotApplied(programme.id, reason, f"{programme.label} does not apply: {words}")

    def _reason(self, programme: Programme, line: QuoteLine) -> tuple[Reason, str] | None:
        sale, on, product = self.sale, self.on, line.product
        kind = programme.kind
        if kind.relation is not sale.relation:
            return Reason.RELATION, (
                f"wrong relation: it is for {_PROGRAMME_IS_FOR[kind.relation]} "
                f"({kind.relation.value}), the buyer is {_BUYER_IS[sale.relation]} "
                f"({sale.relation.value})"
            )
        if not programme.period.contains(on):
            return Reason.VALIDITY, (
                f"outside its validity: it is valid {programme.period.describe()}, "
                f"the purchase is on {on}"
            )
        scope = programme.seller_scope
        if not scope.covers(sale):
            seller = sale.seller_entity
            if scope.kind is ScopeKind.GROUP:
                seller = f"{seller} of the {sale.group} group"
            return Reason.SELLER_SCOPE, (
                f"seller out of scope: it covers {scope.describe()}, the seller is {seller}"
            )
        category = product.category
        if programme.categories_included and category not in programme.categories_included:
            where = f"in category {category}" if category is not None else "in no category"
            covered = ", ".join(sorted(programme.categories_included))
            return Reason.CATEGORY, (
                f"category not included: {product.id} is {where}, the programme covers {covered}"
            )
        if category is not None and category in programme.categories_excluded:
            return Reason.CATEGORY, f"category excluded: {product.id} is in category {category}"
        if kind.is_staff:
            staff = self._staff_reason(programme, line)
            if staff is not None:
                return staff
        needs_cost = (
            kind is ProgrammeKind.DEPARTMENT_CHARGE or programme.method is TransferMethod.COST_PLUS
        )
        if needs_cost and product.unit_cost_on(on) is None:
            return Reason.NO_UNIT_COST, f"{product.id} has no unit cost on {on}"
        return None

    def _staff_reason(self, programme: Programme, line: QuoteLine) -> tuple[Reason, str] | None:
        product = line.product
        if self.retiree and not programme.include_retirees:
            return Reason.RETIREE, f"retirees are not included, and {self.sale.buyer} is a retiree"
        if programme.waiting_days:
            if self.employed_since is None:
                return Reason.WAITING_PERIOD, (
                    f"waiting period: the start of employment is not known "
                    f"({programme.waiting_days} days required)"
                )
            days = (self.on - self.employed_since).days
            if days < programme.waiting_days:
                return (
                    Reason.WAITING_PERIOD,
                    f"waiting period: {days} of {programme.waiting_days} days",
                )
        cap = programme.annual_cap
        if cap is not None and cap.currency != product.currency:
            return Reason.CURRENCY, (
                f"its annual cap is in {cap.currency}, {product.id} is priced in {product.currency}"
            )
        for limit in programme.quantity_limits:
            if not limit.covers(product):
                continue
            used = self.ledger.quantity_used(programme, limit)
            if used + line.quantity > limit.max_quantity:
                return Reason.QUANTITY_LIMIT, (
                    f"quantity limit: {_qty(used)} bought this year, {limit.describe()}; "
                    f"{_qty(line.quantity)} more would pass it"
                )
        if cap is not None:
            used_money = self.ledger.discount_used(programme, cap)
            if used_money >= cap:
                return Reason.CAP_USED_UP, (
                    f"cap used up: {used_money} of the annual cap of {cap} received this year"
                )
        return None

    # ------------------------------------------------------------------ prices

    def _candidate(
        self, programme: Programme, line: QuoteLine, list_price: Money, list_amount: Money
    ) -> _Candidate:
        if programme.kind.is_staff:
            return self._staff_price(programme, line, list_price, list_amount)
        product, quantity = line.product, line.quantity
        method = programme.method
        if programme.kind is ProgrammeKind.DEPARTMENT_CHARGE or method is TransferMethod.COST_PLUS:
            cost = product.unit_cost_on(self.on)
            if cost is None:  # refused before: "has no unit cost"
                raise InvalidRequest(f"{product.id} has no unit cost on {self.on}")
            base, base_unit = Base.UNIT_COST, cost
            exact_unit = cost.amount * (ONE + programme.markup / HUNDRED)
            rule = f"unit cost {_money(cost)}"
            if programme.markup:
                rule += f" plus {format_pct(programme.markup)}"
        elif method is TransferMethod.RESALE_MINUS:
            margin = programme.margin_pct or ZERO
            base, base_unit = Base.LIST_PRICE, list_price
            exact_unit = list_price.amount * (ONE - margin / HUNDRED)
            rule = f"list price {_money(list_price)} minus a gross margin of {format_pct(margin)}"
        else:
            base, base_unit = Base.LIST_PRICE, list_price
            exact_unit = list_price.amount
            rule = f"the list price {_money(list_price)} as comparable uncontrolled price"
        currency = product.currency
        exact_line = exact_unit * quantity
        amount = Money(round_money(exact_line, currency), currency)
        how = f"{programme.label} applies to {_BUYER_IS[self.sale.relation]}: {rule}"
        if method is not None:
            how += f" ({method.value.replace('_', ' ')} method)"
        sentences = (
            how,
            f"Price: {_qty(quantity)} × {_amount(exact_unit, currency)} = "
            f"{_rounding(exact_line, amount)}",
        )
        zero = Money.zero(currency)
        candidate = _Candidate(
            programme=programme,
            base=base,
            base_unit=base_unit,
            base_amount=(base_unit * quantity).rounded(),
            unit_price=Money(round_money(exact_unit, currency), currency),
            amount=amount,
            discount_unit=zero,
            discount=zero,
            cap_left=None,
            sentences=sentences,
        )
        if programme.comparables and method is not None:
            check = check_arms_length(
                _tested(programme, list_price),
                programme.comparables,
                measure=_METHOD_MEASURE[method],
                currency=currency,
            )
            candidate = replace(candidate, arms_length=self._adjusted(check, line, candidate))
        return candidate

    def _adjusted(
        self, check: ArmsLengthCheck, line: QuoteLine, candidate: _Candidate
    ) -> ArmsLengthCheck:
        """Outside the range: what the line would come to at the median, and the difference."""
        if check.adjust_to is None:
            return check
        median = check.adjust_to
        base_unit = candidate.base_unit.amount
        if check.measure is Measure.MARKUP_ON_COST:
            exact_unit = base_unit * (ONE + median / HUNDRED)
        elif check.measure is Measure.GROSS_MARGIN:
            exact_unit = base_unit * (ONE - median / HUNDRED)
        else:
            exact_unit = median
        currency = candidate.amount.currency
        at_median = Money(round_money(exact_unit * line.quantity, currency), currency)
        adjustment = at_median - candidate.amount
        sentence = (
            f"At the median the line comes to {_qty(line.quantity)} × "
            f"{_amount(exact_unit, currency)} = {at_median} instead of {candidate.amount}: "
            f"an adjustment of {_signed(adjustment)}"
        )
        return replace(check, adjustment=adjustment, evidence=(*check.evidence, sentence))

    def _staff_price(
        self, programme: Programme, line: QuoteLine, list_price: Money, list_amount: Money
    ) -> _Candidate:
        quantity, currency = line.quantity, list_price.currency
        pct = programme.discount_pct or ZERO
        exact = list_price.amount * quantity * pct / HUNDRED
        full = Money(round_money(exact, currency), currency)
        discount, cap_left = full, None
        sentences = [
            f"{programme.label} applies to {_BUYER_IS[self.sale.relation]}: "
            f"{format_pct(pct)} off the list price",
            f"Discount: {format_pct(pct)} of {list_amount} = {_rounding(exact, full)}",
        ]
        cap = programme.annual_cap
        if cap is not None:
            used = self.ledger.discount_used(programme, cap)
            left = cap - used
            if full > left:
                discount = left
                sentences.append(
                    f"The discount of {full} would pass the annual cap of {cap} "
                    f"({used} received this year before this line): the discount is {left}, "
                    f"up to the cap, and the rest is at list price"
                )
            cap_left = left - discount
            sentences.append(
                f"Annual cap of {programme.id}: {cap}; {used} received this year before this "
                f"line, {discount} on this line, {cap_left} left"
            )
        for limit in programme.quantity_limits:
            if limit.covers(line.product):
                used_quantity = self.ledger.quantity_used(programme, limit)
                sentences.append(
                    f"Quantity limit {limit.describe()}: {_qty(used_quantity)} bought this year "
                    f"before this line, {_qty(quantity)} on this line"
                )
        if discount == full:
            discount_unit = Money(
                round_money(list_price.amount * pct / HUNDRED, currency), currency
            )
        else:
            discount_unit = Money(round_money(discount.amount / quantity, currency), currency)
        amount = list_amount - discount
        unit_price = list_price.rounded() - discount_unit
        sentences.append(
            f"Price: {list_amount} − {discount} = {amount} (a unit: {unit_price}, "
            f"{discount_unit} off; the line is rounded once and is what is charged)"
        )
        return _Candidate(
            programme=programme,
            base=Base.LIST_PRICE,
            base_unit=list_price,
            base_amount=list_amount,
            unit_price=unit_price,
            amount=amount,
            discount_unit=discount_unit,
            discount=discount,
            cap_left=cap_left,
            sentences=tuple(sentences),
        )


def _rank(candidate: _Candidate) -> tuple[int, Decimal, str]:
    """The highest priority wins; on a tie the lower price; then the id, to be repeatable."""
    programme = candidate.programme
    assert programme is not None  # only programmes' candidates are ranked
    return (-programme.priority, candidate.amount.amount, programme.id)


def _tested(programme: Programme, list_price: Money) -> Decimal:
    """What a transfer price's comparables are compared with: its mark-up, margin or price."""
    if programme.method is TransferMethod.COST_PLUS:
        return programme.markup
    if programme.method is TransferMethod.RESALE_MINUS:
        return programme.margin_pct or ZERO
    return list_price.amount


def _rounding(exact: Decimal, rounded: Money) -> str:
    """``4.50 EUR`` or ``4.4955 EUR, rounded half up to 4.50 EUR``."""
    if exact == rounded.amount:
        return str(rounded)
    return f"{_amount(exact, rounded.currency)}, rounded half up to {rounded}"


def _at_list_price(quantity: Decimal, list_price: Money, list_amount: Money) -> _Candidate:
    zero = Money.zero(list_price.currency)
    return _Candidate(
        programme=None,
        base=Base.LIST_PRICE,
        base_unit=list_price,
        base_amount=list_amount,
        unit_price=list_price.rounded(),
        amount=list_amount,
        discount_unit=zero,
        discount=zero,
        cap_left=None,
        sentences=(
            f"No programme applies: {_qty(quantity)} × {_money(list_price)} = "
            f"{list_amount} at list price",
        ),
    )


def _outranked(loser: _Candidate, winner: _Candidate) -> NotApplied:
    lost, won = loser.programme, winner.programme
    assert lost is not None and won is not None  # both priced by a programme
    if lost.priority < won.priority:
        why = f"{won.id} has the higher priority ({won.priority} against {lost.priority})"
    elif loser.amount > winner.amount:
        why = (
            f"at the same priority ({won.priority}) {won.id} gives the lower price "
            f"({winner.amount} against {loser.amount})"
        )
    else:
        why = (
            f"at the same priority ({won.priority}) and price ({winner.amount}) "
            f"{won.id} comes first by id"
        )
    return NotApplied(
        lost.id,
        Reason.OUTRANKED,
        f"{lost.label} also applies, but {why}; programmes do not stack",
    )


# --------------------------------------------------------------------------- returns


@dataclass(frozen=True, slots=True)
class Reversal:
    """What returning part of a priced line gives back.

    ``amount`` is refunded, ``discount`` goes back to the programme's annual cap and
    ``quantity_given_back`` to its quantity limits, both for the calendar ``year`` of
    the original line.
    """

    line: int
    product: str
    programme: str | None
    year: int
    quantity: Decimal
    amount: Money
    list_amount: Money
    discount: Money
    quantity_given_back: Decimal
    evidence: tuple[str, ...]


def _share(total: Money, upto: Decimal, before: Decimal, whole: Decimal) -> Money:
    """The part of a rounded line amount that belongs to units ``before`` up to ``upto``."""
    currency = total.currency
    after = round_money(total.amount * upto / whole, currency)
    earlier = round_money(total.amount * before / whole, currency)
    return Money(after - earlier, currency)


class ReturnableLine(Protocol):
    """What a return needs of a priced line: a quote's line or an order's stored line."""

    @property
    def number(self) -> int: ...
    @property
    def product(self) -> str: ...
    @property
    def on(self) -> date: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def programme(self) -> str | None: ...
    @property
    def programme_kind(self) -> ProgrammeKind | None: ...
    @property
    def list_amount(self) -> Money: ...
    @property
    def amount(self) -> Money: ...
    @property
    def discount(self) -> Money: ...


def reverse_line(
    line: ReturnableLine, quantity: Decimal, *, already_returned: Decimal = ZERO
) -> Reversal:
    """Reverse ``quantity`` units of ``line``, after ``already_returned`` units were returned.

    Each amount is the line's rounded amount times (returned so far, this return
    included) / quantity, rounded, less the same before this return: the returns of a
    line add up to exactly the line, and returning it all at once gives it all back.
    """
    if quantity <= 0:
        raise InvalidRequest(f"a returned quantity is more than 0, not {quantity}")
    if already_returned < 0:
        raise InvalidRequest(f"an already returned quantity is at least 0, not {already_returned}")
    upto = already_returned + quantity
    if upto > line.quantity:
        left = line.quantity - already_returned
        raise InvalidRequest(
            f"line {line.number} has {_qty(left)} of {_qty(line.quantity)} left to return, "
            f"not {_qty(quantity)}"
        )
    whole = line.quantity
    amount = _share(line.amount, upto, already_returned, whole)
    discount = _share(line.discount, upto, already_returned, whole)
    if line.list_amount == line.amount + line.discount:
        list_amount = amount + discount
    else:
        list_amount = _share(line.list_amount, upto, already_returned, whole)
    staff = line.programme_kind is not None and line.programme_kind.is_staff
    evidence = [
        f"Return of {_qty(quantity)} of {_qty(whole)} × {line.product} (line {line.number}, "
        f"priced on {line.on}): {amount} refunded",
    ]
    if staff:
        evidence.append(
            f"{discount} of discount goes back to the annual cap of {line.programme} for "
            f"{line.on.year}, and {_qty(quantity)} to its quantity limits"
        )
    share = f"the line's share of {_qty(upto)} of {_qty(whole)} units"
    if already_returned:
        share += f" less its share of the {_qty(already_returned)} returned before"
    evidence.append(
        f"Amounts are {share}, rounded half up, so that returns of the whole quantity give "
        f"back exactly the line ({line.amount})"
    )
    return Reversal(
        line=line.number,
        product=line.product,
        programme=line.programme,
        year=line.on.year,
        quantity=quantity,
        amount=amount,
        list_amount=list_amount,
        discount=discount,
        quantity_given_back=quantity if staff else ZERO,
        evidence=tuple(evidence),
    )
