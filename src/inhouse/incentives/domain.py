"""Incentives: points programmes, the points ledger and participation figures.

Standard library only (design/README.md, rule 1). Points are whole numbers (``int``);
money is :class:`inhouse.money.Money`; periods are half-open; nothing here reads a clock.

- :func:`points_for_purchase` decides which programmes award points for one purchase,
  capped by what each programme's budget has left, with a sentence per award and per
  programme that did not apply.
- :func:`open_lots` and :func:`due_expiries` read a person's ledger first in, first out:
  debits use up the points that expire first; points still unused on their expiry day
  expire.
- :func:`participation` counts, per month, entity and org unit, the eligible employees
  (employed, not retired, on some day of the month) and those who bought internally at
  least once; with the internal share of revenue and the cost of discounts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import Enum

from inhouse.dates import Period
from inhouse.errors import InvalidRequest
from inhouse.groups.domain import Employment, EmploymentKind
from inhouse.money import Money

__all__ = [
    "Award",
    "Entry",
    "EntryKind",
    "Expiry",
    "IncentiveProgramme",
    "InsufficientPoints",
    "Lot",
    "Month",
    "NotApplied",
    "Participation",
    "ProgrammeKind",
    "Purchase",
    "PurchaseHistory",
    "PurchasePoints",
    "ScopeKind",
    "TakeBack",
    "check_debit",
    "due_expiries",
    "open_lots",
    "participation",
    "points_back_for_return",
    "points_for_purchase",
]


class ProgrammeKind(Enum):
    POINTS_PER_SPEND = "points_per_spend"
    FIRST_PURCHASE_BONUS = "first_purchase_bonus"
    REFERRAL_BONUS = "referral_bonus"


class ScopeKind(Enum):
    """Which sellers' sales count: one legal entity, every member of a group, or all."""

    ENTITY = "entity"
    GROUP = "group"
    ALL = "all"


class EntryKind(Enum):
    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    ADJUST = "adjust"


class InsufficientPoints(InvalidRequest):
    """A redemption or a negative adjustment larger than the balance."""


def _points(value: int) -> str:
    return f"{value:,} point{'s' if abs(value) != 1 else ''}"


# --------------------------------------------------------------------------- programmes


@dataclass(frozen=True, slots=True)
class IncentiveProgramme:
    """A way to earn points, valid for a period, with an optional budget of points.

    ``points_per_spend`` awards ``points_per_unit`` points per unit of ``currency`` spent
    (rounded down to whole points); ``first_purchase_bonus`` awards ``bonus_points`` on a
    person's first internal purchase; ``referral_bonus`` awards ``bonus_points`` to the
    person who referred the buyer, on the buyer's first internal purchase. Points earned
    expire ``points_valid_days`` days after the purchase (``None``: never).
    """

    id: str
    name: str
    kind: ProgrammeKind
    period: Period = Period()
    scope: ScopeKind = ScopeKind.ALL
    scope_id: str | None = None
    budget: int | None = None
    points_per_unit: Decimal | None = None
    currency: str | None = None
    bonus_points: int | None = None
    points_valid_days: int | None = None

    def __post_init__(self) -> None:
        spend = self.kind is ProgrammeKind.POINTS_PER_SPEND
        if spend:
            if self.points_per_unit is None or not self.points_per_unit > 0:
                raise ValueError("a points_per_spend programme needs points_per_unit above 0")
            if self.currency is None:
                raise ValueError("a points_per_spend programme names the currency of its rate")
            Money(Decimal(0), self.currency)  # refuses unknown codes
            if self.bonus_points is not None:
                raise ValueError("a points_per_spend programme has no bonus_points")
        else:
            if self.bonus_points is None or self.bonus_points <= 0:
                raise ValueError(f"a {self.kind.value} programme needs bonus_points above 0")
            if self.points_per_unit is not None or self.currency is not None:
                raise ValueError(
                    f"a {self.kind.value} programme has neither points_per_unit nor currency"
                )
        if (self.scope is ScopeKind.ALL) != (self.scope_id is None):
            raise ValueError("an entity or group scope names its id; scope all has none")
        if self.budget is not None and self.budget < 0:
            raise ValueError("a budget is at least 0 points")
        if self.points_valid_days is not None and self.points_valid_days < 1:
            raise ValueError("points stay valid for at least 1 day")

    def expires_on(self, earned_on: date) -> date | None:
        """The first day on which points earned on ``earned_on`` no longer count."""
        if self.points_valid_days is None:
            return None
        return earned_on + timedelta(days=self.points_valid_days)

    def scope_words(self) -> str:
        if self.scope is ScopeKind.ENTITY:
            return f"sales of {self.scope_id}"
        if self.scope is ScopeKind.GROUP:
            return f"sales of the {self.scope_id} group"
        return "sales of any seller"


@dataclass(frozen=True, slots=True)
class Purchase:
    """One purchase as the orders context knows it: the facts points and figures need.

    ``person`` is the buying person (``None`` when an entity or org unit buys);
    ``seller`` the selling legal entity; ``buyer_entity`` and ``unit`` where the buyer
    belongs (a person: their employer); ``amount`` what was paid, ``list_amount`` the
    list price of the same lines (the difference is the discount); ``internal`` and
    ``relation`` come from the classification of the sale, ``group`` is the
    classification's group (the ultimate parent of the seller's group).
    """

    order: str
    person: str | None
    seller: str
    buyer_entity: str | None
    unit: str | None
    on: date
    amount: Money
    list_amount: Money
    internal: bool
    relation: str
    group: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseHistory:
    """What the ledger knows about the buyer when the purchase comes in.

    ``first_purchase``: no internal purchase of the buyer has been booked before.
    ``referrer``: who referred the buyer (recorded on or before the purchase day).
    ``budget_left``: points each programme may still award (absent or ``None``: no budget).
    """

    first_purchase: bool
    referrer: str | None = None
    budget_left: Mapping[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Award:
    """Points a programme awards to a person for a purchase, with the reason in words."""

    programme: str
    person: str
    points: int
    on: date
    expires_on: date | None
    order: str
    reason: str


@dataclass(frozen=True, slots=True)
class NotApplied:
    programme: str
    sentence: str


@dataclass(frozen=True, slots=True)
class PurchasePoints:
    awards: tuple[Award, ...]
    not_applied: tuple[NotApplied, ...]

    @property
    def total(self) -> int:
        return sum(a.points for a in self.awards)


def _scope_miss(programme: IncentiveProgramme, purchase: Purchase) -> str | None:
    if programme.scope is ScopeKind.ENTITY and purchase.seller != programme.scope_id:
        return f"it counts only sales of {programme.scope_id}, and {purchase.seller} sold"
    if programme.scope is ScopeKind.GROUP and purchase.group != programme.scope_id:
        seller_group = purchase.group or "no group"
        return (
            f"it counts only sales of the {programme.scope_id} group, and {purchase.seller} "
            f"belongs to {seller_group}"
        )
    return None


def points_for_purchase(
    *,
    programmes: Sequence[IncentiveProgramme],
    purchase: Purchase,
    history: PurchaseHistory,
) -> PurchasePoints:
    """The points each programme awards for ``purchase``, and why the others award none.

    Only internal purchases by a person earn points. A programme applies on the days of
    its period and to the sellers of its scope. A budget caps the award at what it has
    left; an exhausted budget awards nothing.
    """
    awards: list[Award] = []
    skipped: list[NotApplied] = []
    for programme in sorted(programmes, key=lambda p: p.id):

        def skip(reason: str, programme: IncentiveProgramme = programme) -> None:
            skipped.append(NotApplied(programme.id, f"{programme.id} does not apply: {reason}"))

        if purchase.person is None:
            skip("only purchases by a person earn points")
            continue
        if not purchase.internal:
            skip(f"the purchase is not internal ({purchase.relation})")
            continue
        if not programme.period.contains(purchase.on):
            skip(f"it is not valid on {purchase.on} ({programme.period.describe()})")
            continue
        missed = _scope_miss(programme, purchase)
        if missed is not None:
            skip(missed)
            continue
        person, points, reason = purchase.person, 0, ""
        if programme.kind is ProgrammeKind.POINTS_PER_SPEND:
            assert programme.points_per_unit is not None and programme.currency is not None
            if purchase.amount.currency != programme.currency:
                skip(f"it counts spending in {programme.currency}, the purchase was in "
                     f"{purchase.amount.currency}")  # fmt: skip
                continue
            exact = purchase.amount.amount * programme.points_per_unit
            points = int(exact.to_integral_value(rounding=ROUND_DOWN)) if exact > 0 else 0
            reason = (
                f"{_points(points)} from {programme.id}: {programme.points_per_unit.normalize():f}"
                f" per {programme.currency} on {purchase.amount} spent at {purchase.seller} "
                f"on {purchase.on} (order {purchase.order}), rounded down"
            )
            if points == 0:
                skip(f"{purchase.amount} earns less than 1 point")
                continue
        elif programme.kind is ProgrammeKind.FIRST_PURCHASE_BONUS:
            if not history.first_purchase:
                skip(f"{person} has bought internally before")
                continue
            points = programme.bonus_points or 0
            reason = (
                f"{_points(points)} from {programme.id}: first internal purchase of {person} "
                f"(order {purchase.order} at {purchase.seller} on {purchase.on})"
            )
        else:  # referral bonus: to the referrer
            if not history.first_purchase:
                skip(f"{person} has bought internally before")
                continue
            if history.referrer is None:
                skip(f"nobody referred {person}")
                continue
            person, points = history.referrer, programme.bonus_points or 0
            reason = (
                f"{_points(points)} from {programme.id}: {history.referrer} referred "
                f"{purchase.person}, whose first internal purchase is order {purchase.order} "
                f"on {purchase.on}"
            )
        left = history.budget_left.get(programme.id)
        if left is not None and left <= 0:
            skip(f"its budget is used up ({programme.budget or 0:,} points awarded)")
            continue
        if left is not None and points > left:
            reason += f"; capped at {_points(left)} of {_points(points)}: all its budget had left"
            points = left
        awards.append(
            Award(
                programme=programme.id,
                person=person,
                points=points,
                on=purchase.on,
                expires_on=programme.expires_on(purchase.on),
                order=purchase.order,
                reason=reason,
            )
        )
    return PurchasePoints(tuple(awards), tuple(skipped))


@dataclass(frozen=True, slots=True)
class TakeBack:
    """Points of a spend award that a return takes back, with the reason in words."""

    programme: str
    points: int
    reason: str


def points_back_for_return(
    *,
    programme: IncentiveProgramme,
    earned: int,
    purchase: Purchase,
    returned_before: Money,
    returned_now: Money,
) -> TakeBack:
    """The points of ``programme``'s award for ``purchase`` that a return takes back.

    What the purchase keeps is what the amount still paid (after every return so far)
    earns, never more than was awarded (a budget may have capped the award); a return
    takes back the difference between what was kept before it and after it. Bonuses
    (first purchase, referral) are not taken back.
    """
    if programme.kind is not ProgrammeKind.POINTS_PER_SPEND:
        return TakeBack(programme.id, 0, f"{programme.id}: a bonus is not taken back")
    rate = programme.points_per_unit
    assert rate is not None
    before = purchase.amount - returned_before
    after = before - returned_now
    if returned_now.is_negative() or after.is_negative():
        raise InvalidRequest(
            f"returns of {returned_before + returned_now} exceed order {purchase.order}'s "
            f"{purchase.amount}"
        )

    def kept(paid: Money) -> int:
        exact = paid.amount * rate
        return min(earned, int(exact.to_integral_value(rounding=ROUND_DOWN)))

    back = kept(before) - kept(after)
    return TakeBack(
        programme.id,
        back,
        f"{_points(back)} of {programme.id} taken back: the return of {returned_now} leaves "
        f"{after} paid for order {purchase.order} ({purchase.amount}), which keeps "
        f"{_points(kept(after))} of the {_points(earned)} earned",
    )


# --------------------------------------------------------------------------- the ledger


@dataclass(frozen=True, slots=True)
class Entry:
    """One booked ledger entry: ``points`` is positive for credits, negative for debits.

    ``lot`` is the id of the credited entry an ``expire`` entry takes points from.
    """

    id: int
    person: str
    kind: EntryKind
    points: int
    on: date
    programme: str | None = None
    expires_on: date | None = None
    lot: int | None = None


@dataclass(frozen=True, slots=True)
class Lot:
    """Points credited by one entry and not yet used up (redeemed, expired or adjusted away)."""

    entry: int
    programme: str | None
    points: int
    left: int
    expires_on: date | None


@dataclass(frozen=True, slots=True)
class Expiry:
    """Points of a lot that expire: the entry to book."""

    lot: int
    person: str
    programme: str | None
    points: int
    expires_on: date
    reason: str


def balance(entries: Iterable[Entry]) -> int:
    return sum(e.points for e in entries)


def open_lots(entries: Iterable[Entry]) -> list[Lot]:
    """The credits with points left, in the order they are used: soonest expiry first.

    Entries are replayed in booking order (by id). A debit (redeem, negative adjust)
    uses the points that expire first (never-expiring points last, older before newer);
    an expire entry empties the lot it names.
    """
    left: dict[int, int] = {}
    lots: dict[int, Entry] = {}

    def order(entry_id: int) -> tuple[date, int]:
        return (lots[entry_id].expires_on or date.max, entry_id)

    for entry in sorted(entries, key=lambda e: e.id):
        if entry.points > 0:
            lots[entry.id] = entry
            left[entry.id] = entry.points
        elif entry.kind is EntryKind.EXPIRE and entry.lot in left:
            left[entry.lot] = max(0, left[entry.lot] + entry.points)
        else:
            owed = -entry.points
            for lot in sorted((k for k, v in left.items() if v > 0), key=order):
                taken = min(owed, left[lot])
                left[lot] -= taken
                owed -= taken
                if owed == 0:
                    break
    return [
        Lot(k, lots[k].programme, lots[k].points, left[k], lots[k].expires_on)
        for k in sorted((k for k, v in left.items() if v > 0), key=order)
    ]


def due_expiries(entries: Iterable[Entry], on: date) -> list[Expiry]:
    """The expire entries due on ``on``: every lot with points left whose expiry day has come.

    Booking them and asking again gives nothing (the lots are then empty).
    """
    found: list[Expiry] = []
    person = ""
    listed = list(entries)
    if listed:
        person = listed[0].person
    for lot in open_lots(listed):
        if lot.expires_on is not None and lot.expires_on <= on:
            source = f" of {lot.programme}" if lot.programme else ""
            found.append(
                Expiry(
                    lot=lot.entry,
                    person=person,
                    programme=lot.programme,
                    points=lot.left,
                    expires_on=lot.expires_on,
                    reason=(
                        f"{_points(lot.left)} of {_points(lot.points)} earned{source} "
                        f"(entry {lot.entry}) unused by {lot.expires_on - timedelta(days=1)}: "
                        f"they expire on {lot.expires_on}"
                    ),
                )
            )
    return found


def check_debit(*, balance: int, points: int, person: str) -> None:
    """Refuse a debit that would take the balance below zero."""
    if points > balance:
        raise InsufficientPoints(
            f"{person} has {_points(balance)}; {_points(points)} cannot be taken"
        )


# --------------------------------------------------------------------------- participation


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9998:
            raise ValueError(f"{self.year}-{self.month:02d} is not a month")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``Month.parse("2026-03")``; a ``ValueError`` names the text otherwise."""
        parts = text.split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2:
            raise ValueError(f'"{text}" is not a month (YYYY-MM)')
        try:
            return cls(int(parts[0]), int(parts[1]))
        except ValueError:
            raise ValueError(f'"{text}" is not a month (YYYY-MM)') from None

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def overlaps(self, period: Period) -> bool:
        """Whether ``period`` holds at least one day of the month."""
        start, end = self.first, self.next.first
        return (period.valid_from is None or period.valid_from < end) and (
            period.valid_to is None or period.valid_to > start
        )

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """``first`` to ``last``, both included."""
    if last < first:
        raise ValueError(f"{last} is before {first}")
    found = [first]
    while found[-1] < last:
        found.append(found[-1].next)
    return found


def share_pct(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` of ``whole`` in percent, two decimals, half up; ``None`` of nothing."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Rate:
    """Eligible employees and those of them who bought internally at least once."""

    eligible: int
    participants: int

    @property
    def pct(self) -> Decimal | None:
        return share_pct(self.participants, self.eligible)


@dataclass(frozen=True, slots=True)
class EntityRate:
    entity: str
    rate: Rate


@dataclass(frozen=True, slots=True)
class UnitRate:
    entity: str
    unit: str
    rate: Rate


@dataclass(frozen=True, slots=True)
class Revenue:
    """Sales of one month in one currency: all, internal, and the discounts given to
    internal buyers who are persons (list amount − amount paid, never below zero)."""

    currency: str
    total: Money
    internal: Money
    discount_cost: Money

    @property
    def internal_pct(self) -> Decimal | None:
        return share_pct(self.internal.amount, self.total.amount)


@dataclass(frozen=True, slots=True)
class MonthParticipation:
    month: Month
    rate: Rate
    change_pts: Decimal | None  # percentage points against the month before
    entities: tuple[EntityRate, ...]
    units: tuple[UnitRate, ...]
    revenue: tuple[Revenue, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Participation:
    months: tuple[MonthParticipation, ...]
    trend: str


def _eligible(employments: Sequence[Employment], month: Month) -> list[Employment]:
    return [
        e for e in employments if e.kind is EmploymentKind.EMPLOYEE and month.overlaps(e.period)
    ]


def participation(
    *,
    purchases: Iterable[Purchase],
    employments: Iterable[Employment],
    months: Sequence[Month],
) -> Participation:
    """Participation per month, entity and org unit, with revenue and discount cost.

    Eligible: employed (not as a retiree) on at least one day of the month; a person
    employed at two entities counts at each, and once in the month's total. Participant:
    an eligible person with at least one internal purchase in the month.
    """
    staff = list(employments)
    by_month: dict[Month, list[Purchase]] = defaultdict(list)
    wanted = set(months)
    for purchase in purchases:
        month = Month(purchase.on.year, purchase.on.month)
        if month in wanted:
            by_month[month].append(purchase)
    answers: list[MonthParticipation] = []
    previous: Decimal | None = None
    for month in sorted(wanted):
        bought = sorted(by_month[month], key=lambda p: (p.on, p.order))
        buyers = {p.person for p in bought if p.internal and p.person is not None}
        eligible = _eligible(staff, month)
        people = {e.person for e in eligible}
        at_entity: dict[str, set[str]] = defaultdict(set)
        in_unit: dict[tuple[str, str], set[str]] = defaultdict(set)
        for employment in eligible:
            at_entity[employment.entity].add(employment.person)
            if employment.unit is not None:
                in_unit[(employment.entity, employment.unit)].add(employment.person)
        rate = Rate(len(people), len(people & buyers))
        revenue = _revenue(bought)
        evidence = [
            f"{month}: {rate.eligible:,} employees were employed on at least one day of the "
            f"month (retirees not counted); {rate.participants:,} of them bought internally "
            "at least once"
        ]
        outsiders = sorted(buyers - people)
        if outsiders:
            evidence.append(
                f"{len(outsiders):,} internal buyer(s) were not eligible employees that month "
                f"and are not counted: {', '.join(outsiders[:10])}"
                + (" …" if len(outsiders) > 10 else "")
            )
        change = None
        if previous is not None and rate.pct is not None:
            change = rate.pct - previous
        answers.append(
            MonthParticipation(
                month=month,
                rate=rate,
                change_pts=change,
                entities=tuple(
                    EntityRate(entity, Rate(len(members), len(members & buyers)))
                    for entity, members in sorted(at_entity.items())
                ),
                units=tuple(
                    UnitRate(entity, unit, Rate(len(members), len(members & buyers)))
                    for (entity, unit), members in sorted(in_unit.items())
                ),
                revenue=revenue,
                evidence=tuple(evidence),
            )
        )
        previous = rate.pct
    return Participation(tuple(answers), _trend(answers))


def _revenue(purchases: Sequence[Purchase]) -> tuple[Revenue, ...]:
    totals: dict[str, list[Money]] = {}
    for p in purchases:
        currency = p.amount.currency
        zero = Money.zero(currency)
        total, internal, discount = totals.setdefault(currency, [zero, zero, zero])
        total += p.amount
        if p.internal:
            internal += p.amount
            if p.person is not None:  # staff discounts; not transfer prices between entities
                discount += (p.list_amount - p.amount).max(zero)
        totals[currency] = [total, internal, discount]
    return tuple(
        Revenue(currency, total.rounded(), internal.rounded(), discount.rounded())
        for currency, (total, internal, discount) in sorted(totals.items())
    )


def _trend(months: Sequence[MonthParticipation]) -> str:
    rated = [m for m in months if m.rate.pct is not None]
    if len(rated) < 2:
        return "one month or less with eligible employees: no trend"
    first, last = rated[0], rated[-1]
    assert first.rate.pct is not None and last.rate.pct is not None
    change = last.rate.pct - first.rate.pct
    direction = "rose" if change > 0 else "fell" if change < 0 else "stayed"
    if change == 0:
        return f"participation stayed at {last.rate.pct}% from {first.month} to {last.month}"
    return (
        f"participation {direction} from {first.rate.pct}% in {first.month} to "
        f"{last.rate.pct}% in {last.month} ({change:+} percentage points)"
    )
