"""Use cases of the incentives context: programmes, points, referrals, participation.

Every write checks the whole request first and names every bad field at once
(``InvalidFields``), then what collides with stored records (``Clash``), then writes,
appends to the audit log in the same transaction, and commits.

No check-then-act on balances or budgets (design/README.md, rule 10): every booking for
a person first locks the person's account row, and the balance is read only after that;
an award locks its programmes' rows before it reads what their budgets have left, and
the budget is then used by a conditional update. The database refuses a negative
balance and an award past the budget as a last line (check constraints).

Points expire lazily too: before a redemption or an adjustment the person's due
expiries are booked, so that expired points are never spent.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import IntegrityError

from inhouse.clock import Clock, today
from inhouse.dates import Period, check_day
from inhouse.errors import FieldProblem, InvalidFields, InvalidRequest
from inhouse.groups.domain import trim
from inhouse.groups.repository import employment_of
from inhouse.groups.services import Clash
from inhouse.identity.domain import SYSTEM, Actor, Permission
from inhouse.identity.services import NotAllowed, NotFound, record, require
from inhouse.incentives.domain import (
    Award,
    EntryKind,
    Lot,
    Month,
    NotApplied,
    Participation,
    ProgrammeKind,
    Purchase,
    PurchaseHistory,
    PurchasePoints,
    ScopeKind,
    check_debit,
    due_expiries,
    months_between,
    open_lots,
    participation,
    points_back_for_return,
    points_for_purchase,
)
from inhouse.incentives.repository import programme_of, purchase_of
from inhouse.money import Money, minor_unit

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

Row = dict[str, Any]
P = Permission
MAX_POINTS = 10**12
MAX_PAGE = 1000
MAX_MONTHS = 36


def _fail(problems: list[FieldProblem], where: str = "body") -> None:
    if problems:
        raise InvalidFields(problems, where=where)


def _audit(uow: UnitOfWork, actor: Actor, clock: Clock, action: str, resource: str,
           resource_id: str, before: Any, after: Any) -> None:  # fmt: skip
    record(uow=uow, actor=actor, clock=clock, action=action, resource=resource,
           resource_id=resource_id, before=before, after=after)  # fmt: skip


# --------------------------------------------------------------------------- programmes


def _programme_row(uow: UnitOfWork, programme: str) -> Row:
    row = uow.incentives.programme(programme)
    if row is None:
        raise NotFound(f"no incentive programme {programme}")
    return _shown_programme(row)


def _shown_programme(row: Row) -> Row:
    rate = row["points_per_unit"]
    budget, awarded = row["budget"], int(row["awarded"])
    return {
        **row,
        "points_per_unit": None if rate is None else trim(Decimal(str(rate))),
        "awarded": awarded,
        "budget_left": None if budget is None else int(budget) - awarded,
    }


def define_incentive_programme(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    name: str,
    kind: str,
    scope_kind: str = "all",
    scope_id: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    budget: int | None = None,
    points_per_unit: Decimal | None = None,
    currency: str | None = None,
    bonus_points: int | None = None,
    points_valid_days: int | None = None,
) -> Row:
    """A new incentive programme; the domain decides which fields a kind uses."""
    require(actor, P.MANAGE_INCENTIVES)
    problems: list[FieldProblem] = []
    if "/" in id:
        problems.append(FieldProblem("id", f'"{id}" has a "/"; ids have none'))
    if kind not in {k.value for k in ProgrammeKind}:
        known = ", ".join(k.value for k in ProgrammeKind)
        problems.append(FieldProblem("kind", f'"{kind}" is not one of {known}'))
    if scope_kind not in {k.value for k in ScopeKind}:
        problems.append(FieldProblem("scope_kind", f'"{scope_kind}" is not entity, group or all'))
    if budget is not None and not 0 <= budget < MAX_POINTS:
        problems.append(FieldProblem("budget", f"{budget} is not between 0 and {MAX_POINTS - 1}"))
    if bonus_points is not None and not 0 < bonus_points < 2**31:
        problems.append(FieldProblem("bonus_points", f"{bonus_points} is not a positive number"))
    if points_valid_days is not None and not 0 < points_valid_days <= 36_500:
        problems.append(
            FieldProblem("points_valid_days", f"{points_valid_days} is not 1 to 36500 days")
        )
    if points_per_unit is not None and (
        not points_per_unit.is_finite()
        or not 0 < points_per_unit < 10**8
        or points_per_unit != points_per_unit.quantize(Decimal("0.0001"))
    ):
        problems.append(FieldProblem(
            "points_per_unit", f"{points_per_unit} is not above 0 with at most 4 decimal places"
        ))  # fmt: skip
    if currency is not None:
        try:
            minor_unit(currency)
        except ValueError as error:
            problems.append(FieldProblem("currency", str(error)))
    try:
        Period(valid_from, valid_to)
    except ValueError as error:
        problems.append(FieldProblem("valid_to", str(error)))
    _fail(problems)
    row: Row = {
        "id": id, "name": name, "kind": kind, "scope_kind": scope_kind, "scope_id": scope_id,
        "valid_from": valid_from, "valid_to": valid_to, "budget": budget, "awarded": 0,
        "points_per_unit": points_per_unit, "currency": currency, "bonus_points": bonus_points,
        "points_valid_days": points_valid_days,
    }  # fmt: skip
    try:
        programme_of(row)
    except ValueError as error:
        raise InvalidFields([FieldProblem("body", str(error))]) from None
    with uow:
        if scope_kind != "all" and uow.groups.party_kind(scope_id or "") != "entity":
            _fail([FieldProblem("scope_id", f'"{scope_id}" is not a known entity')])
        if uow.incentives.programme(id) is not None:
            raise Clash([FieldProblem("id", f'"{id}" is already an incentive programme')])
        try:
            uow.incentives.add_programme(row)
        except IntegrityError:  # stored by a concurrent request since the check
            raise Clash([FieldProblem("id", f'"{id}" is already an incentive programme')]) from None
        after = _programme_row(uow, id)
        _audit(uow, actor, clock, "create", "incentive_programmes", id, None, after)
        uow.commit()
        return after


def end_incentive_programme(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, programme: str, on: date
) -> Row:
    """The programme awards points for purchases up to the day before ``on`` (half-open).

    Points it awarded stay; they expire as they would have.
    """
    require(actor, P.MANAGE_INCENTIVES)
    with uow:
        uow.incentives.lock_programmes([programme])
        before = _programme_row(uow, programme)
        if before["valid_to"] is not None and before["valid_to"] <= on:
            return before  # already over by then: nothing changes
        if before["valid_from"] is not None and before["valid_from"] >= on:
            raise Clash([FieldProblem(
                "on", f"incentive programme {programme} starts on {before['valid_from']}, "
                f"so it cannot end on {on}",
            )])  # fmt: skip
        uow.incentives.end_programme(programme, on)
        after = _programme_row(uow, programme)
        _audit(uow, actor, clock, "end", "incentive_programmes", programme, before, after)
        uow.commit()
        return after


def get_incentive_programme(*, uow: UnitOfWork, actor: Actor, programme: str) -> Row:
    require(actor, P.READ_INCENTIVE_PROGRAMMES)
    with uow:
        return _programme_row(uow, programme)


def list_incentive_programmes(*, uow: UnitOfWork, actor: Actor) -> list[Row]:
    require(actor, P.READ_INCENTIVE_PROGRAMMES)
    with uow:
        return [_shown_programme(r) for r in uow.incentives.programmes()]


# --------------------------------------------------------------------------- bookings


def _entry_row(
    *,
    person: str,
    kind: EntryKind,
    points: int,
    on: date,
    reason: str,
    actor: Actor,
    clock: Clock,
    programme: str | None = None,
    expires_on: date | None = None,
    lot: int | None = None,
    reference: str | None = None,
    booking_key: str | None = None,
) -> Row:
    return {
        "person": person, "programme": programme, "kind": kind.value, "points": points,
        "booked_on": on, "expires_on": expires_on, "lot": lot, "reason": reason[:1000],
        "reference": reference, "booking_key": booking_key, "recorded_at": clock.now(),
        "recorded_by": actor.username,
    }  # fmt: skip


def _book_expiries(uow: UnitOfWork, actor: Actor, clock: Clock, person: str, on: date) -> list[Row]:
    """Book the person's expiries due on ``on``; the caller holds the account's lock."""
    booked: list[Row] = []
    for expiry in due_expiries(uow.incentives.entries(person), on):
        row = _entry_row(person=person, kind=EntryKind.EXPIRE, points=-expiry.points,
                         on=expiry.expires_on, reason=expiry.reason, actor=actor, clock=clock,
                         programme=expiry.programme, lot=expiry.lot,
                         booking_key=f"expire:{expiry.lot}")  # fmt: skip
        booked.append(uow.incentives.add_entry(row))
    if booked:
        _audit(uow, actor, clock, "expire", "points", person, None, booked)
    return booked


def award_points_for_order(
    *,
    uow: UnitOfWork,
    clock: Clock,
    order: Purchase,
    actor: Actor = SYSTEM,
    first_purchase: bool | None = None,
) -> PurchasePoints:
    """Book the points that ``order`` earns, inside the caller's open unit of work.

    For ``place_order``: call it in the same transaction, after the order is stored; it
    does not commit. ``first_purchase`` says whether this is the buyer's first internal
    purchase; ``None`` lets the ledger decide (no internal purchase booked here before).
    Booking the same order again books nothing new (one award per order and programme)
    and answers with the awards already booked.

    Locks: the programmes with a budget valid on the order's day (id order; those
    without a budget are read, not locked, so that orders do not queue for them), then
    the accounts of the buyer and of whoever referred the buyer (id order), before the
    buyer's history is read: two first purchases of one person at once earn one bonus.
    """
    valid = {r["id"]: r for r in uow.incentives.programmes_on(order.on)}
    budgeted = [key for key, r in valid.items() if r["budget"] is not None]
    current = {**valid, **uow.incentives.lock_programmes(budgeted)}
    programmes = [programme_of(r) for r in current.values()]
    if uow.incentives.purchase(order.order) is not None:
        return _booked_before(uow, order)
    if order.person is None:
        uow.incentives.add_purchase(order)
        return points_for_purchase(programmes=programmes, purchase=order,
                                   history=PurchaseHistory(first_purchase=False))  # fmt: skip
    referrer = _lock_buyer_and_referrer(uow, order.person, order.on)
    if first_purchase is None:
        first_purchase = order.internal and not uow.incentives.has_bought_internally(
            order.person, other_than=order.order
        )
    uow.incentives.add_purchase(order)
    budget_left = {
        r["id"]: None if r["budget"] is None else int(r["budget"]) - int(r["awarded"])
        for r in current.values()
    }
    answer = points_for_purchase(
        programmes=programmes,
        purchase=order,
        history=PurchaseHistory(first_purchase, referrer, budget_left),
    )
    booked: list[Row] = []
    for award in answer.awards:
        key = f"order:{order.order}:{award.programme}"
        if not uow.incentives.use_budget(award.programme, award.points):
            raise AssertionError(f"the budget of {award.programme} was checked under its lock")
        row = _entry_row(person=award.person, kind=EntryKind.EARN, points=award.points,
                         on=award.on, reason=award.reason, actor=actor, clock=clock,
                         programme=award.programme, expires_on=award.expires_on,
                         reference=order.order, booking_key=key)  # fmt: skip
        booked.append(uow.incentives.add_entry(row))
    if booked:
        _audit(uow, actor, clock, "award", "points", order.order, None, booked)
    return answer


def _lock_buyer_and_referrer(uow: UnitOfWork, buyer: str, on: date) -> str | None:
    """Lock the buyer's account and their referrer's (id order); the referrer on ``on``."""

    def referrer_of() -> str | None:
        referral = uow.incentives.referral(buyer)
        if referral is None or referral["referred_on"] > on:
            return None
        return str(referral["referrer"])

    seen = referrer_of()
    for person in sorted({buyer} | ({seen} if seen else set())):
        uow.incentives.lock_account(person)
    referrer = referrer_of()  # a referral recorded meanwhile (it locks the buyer's account)
    if referrer is not None and referrer != seen:
        uow.incentives.lock_account(referrer)
    return referrer


def _booked_before(uow: UnitOfWork, order: Purchase) -> PurchasePoints:
    """The awards booked when ``order`` was booked first: nothing is booked again."""
    awards = tuple(
        Award(
            programme=r["programme"],
            person=r["person"],
            points=int(r["points"]),
            on=r["booked_on"],
            expires_on=r["expires_on"],
            order=order.order,
            reason=r["reason"],
        )
        for r in uow.incentives.order_awards(order.order)
    )
    note = NotApplied("*", f"order {order.order} was booked before: nothing is booked again")
    return PurchasePoints(awards, (note,))


@dataclass(frozen=True, slots=True)
class Reversal:
    """What a return took back: the entries booked, and a sentence per spend award."""

    return_id: str
    entries: list[Row]
    evidence: list[str]


def reverse_points_for_return(
    *,
    uow: UnitOfWork,
    clock: Clock,
    return_id: str,
    order: str,
    amount: Money,
    on: date,
    actor: Actor = SYSTEM,
) -> Reversal:
    """Take back the spend points that a return of ``amount`` of ``order`` undoes,
    inside the caller's open unit of work (for the orders context's return; no commit).

    Points go back to the programme's budget. What the buyer has redeemed meanwhile
    cannot be taken back: the balance stops at zero and the entry says what was left
    unrecovered. Bonuses stay. Booking the same return again books nothing more.
    """
    stored = uow.incentives.purchase(order)
    if stored is None:
        return Reversal(return_id, [], [f"order {order} was not booked for points"])
    if uow.incentives.returned(return_id) is not None:
        return Reversal(return_id, uow.incentives.return_entries(return_id),
                        [f"return {return_id} was booked before: nothing is booked again"])  # fmt: skip
    purchase = purchase_of(stored)
    if amount.currency != purchase.amount.currency or not amount.is_positive():
        raise InvalidRequest(
            f"a return of order {order} is a positive amount in {purchase.amount.currency}"
        )
    earned: dict[str, int] = {}
    for row in uow.incentives.order_awards(order):
        earned[row["programme"]] = earned.get(row["programme"], 0) + int(row["points"])
    rows = {r["id"]: r for r in uow.incentives.programmes() if r["id"] in earned}
    budgeted = [key for key, r in rows.items() if r["budget"] is not None]
    rows.update(uow.incentives.lock_programmes(budgeted))
    buyer = purchase.person
    if buyer is not None:
        uow.incentives.lock_account(buyer)
    before = Money(uow.incentives.returned_amount(order), amount.currency)
    uow.incentives.add_return({"return_id": return_id, "order_id": order, "returned_on": on,
                               "currency": amount.currency, "amount": amount.amount})  # fmt: skip
    booked: list[Row] = []
    evidence: list[str] = []
    for programme_id in sorted(earned):
        back = points_back_for_return(programme=programme_of(rows[programme_id]),
                                      earned=earned[programme_id], purchase=purchase,
                                      returned_before=before, returned_now=amount)  # fmt: skip
        evidence.append(back.reason)
        if back.points == 0 or buyer is None:
            continue
        balance = uow.incentives.balance(buyer)
        taken = min(back.points, balance)
        reason = back.reason
        if taken < back.points:
            reason += (f"; only {taken:,} could be taken back: the balance was {balance:,}, "
                       "the rest had been redeemed")  # fmt: skip
            evidence[-1] = reason
        if taken == 0:
            continue
        row = _entry_row(person=buyer, kind=EntryKind.ADJUST, points=-taken, on=on,
                         reason=reason, actor=actor, clock=clock, programme=programme_id,
                         reference=order, booking_key=f"return:{return_id}:{programme_id}")  # fmt: skip
        booked.append(uow.incentives.add_entry(row))
        uow.incentives.use_budget(programme_id, -taken)
    if booked:
        _audit(uow, actor, clock, "take back", "points", order, None, booked)
    return Reversal(return_id, booked, evidence)


def book_purchase_points(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, order: Purchase
) -> PurchasePoints:
    """:func:`award_points_for_order` in a transaction of its own (imports, the demo)."""
    require(actor, P.MANAGE_INCENTIVES)
    with uow:
        if order.person is not None and uow.groups.party_kind(order.person) != "person":
            _fail([FieldProblem("person", f'"{order.person}" is not a known person')])
        answer = award_points_for_order(uow=uow, clock=clock, order=order, actor=actor)
        uow.commit()
        return answer


@dataclass(frozen=True, slots=True)
class Booking:
    """A redemption or adjustment as booked: the entry, expiries booked first, the balance."""

    entry: Row
    expired: list[Row]
    balance: int


def _check_debit_request(person: str, points: int, reason: str, *, signed: bool) -> None:
    problems: list[FieldProblem] = []
    if signed:
        if points == 0 or not -MAX_POINTS < points < MAX_POINTS:
            problems.append(FieldProblem("points", f"{points} is not a non-zero number of points"))
    elif not 0 < points < MAX_POINTS:
        problems.append(FieldProblem("points", f"{points} is not a positive number of points"))
    if not reason.strip():
        problems.append(FieldProblem("reason", "say what the points are for"))
    _fail(problems)


def _require_own_or(actor: Actor, person: str, permission: Permission) -> None:
    """The permission, or (for an employee) the person is the actor's own."""
    if actor.may(permission):
        return
    if actor.may(P.USE_OWN_POINTS):
        if person != actor.person:
            raise NotFound(f"no points of {person}")
        return
    require(actor, permission)


def redeem_points(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    person: str,
    points: int,
    reason: str,
    reference: str | None = None,
) -> Booking:
    """Take ``points`` off the person's balance; refused if the balance is smaller.

    An employee redeems only their own points. Due expiries are booked first.
    """
    _require_own_or(actor, person, P.MANAGE_INCENTIVES)
    _check_debit_request(person, points, reason, signed=False)
    return _debit(uow, actor, clock, person, -points, EntryKind.REDEEM, reason, reference)


def adjust_points(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    person: str,
    points: int,
    reason: str,
    reference: str | None = None,
) -> Booking:
    """Add (positive) or take off (negative) points by hand, with the reason; a negative
    adjustment cannot take the balance below zero. Adjusted-in points never expire."""
    require(actor, P.MANAGE_INCENTIVES)
    _check_debit_request(person, points, reason, signed=True)
    return _debit(uow, actor, clock, person, points, EntryKind.ADJUST, reason, reference)


def _debit(uow: UnitOfWork, actor: Actor, clock: Clock, person: str, points: int,
           kind: EntryKind, reason: str, reference: str | None) -> Booking:  # fmt: skip
    on = today(clock)
    with uow:
        if uow.groups.party_kind(person) != "person":
            raise NotFound(f"no person {person}")
        uow.incentives.lock_account(person)
        expired = _book_expiries(uow, actor, clock, person, on)
        balance = uow.incentives.balance(person)
        if points < 0:
            check_debit(balance=balance, points=-points, person=person)
        row = _entry_row(person=person, kind=kind, points=points, on=on, reason=reason,
                         actor=actor, clock=clock, reference=reference)  # fmt: skip
        entry = uow.incentives.add_entry(row)
        after = uow.incentives.balance(person)
        _audit(uow, actor, clock, kind.value, "points", person, {"balance": balance},
               {"balance": after, "entry": entry})  # fmt: skip
        uow.commit()
        return Booking(entry, expired, after)


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    on: date
    entries: list[Row]

    @property
    def points(self) -> int:
        return -sum(int(e["points"]) for e in self.entries)


def expire_points(*, uow: UnitOfWork, actor: Actor, clock: Clock, on: date) -> ExpiryRun:
    """Book every expiry due on ``on`` (today or before); running it again books nothing
    more. A day after today is refused: points expire on their day, not before."""
    require(actor, P.MANAGE_INCENTIVES)
    if on > today(clock):
        _fail([FieldProblem("on", f"{on} is after today ({today(clock)}): points expire on "
                                  "their day, not before")])  # fmt: skip
    booked: list[Row] = []
    with uow:
        for person in uow.incentives.persons_with_expiring(on):
            uow.incentives.lock_account(person)
            booked.extend(_book_expiries(uow, actor, clock, person, on))
        uow.commit()
    return ExpiryRun(on, booked)


# --------------------------------------------------------------------------- reading points


@dataclass(frozen=True, slots=True)
class Statement:
    person: str
    balance: int
    lots: list[Lot]
    entries: list[Row]
    next_cursor: str | None


def _cursor(entry: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["points", entry]).encode()).decode().rstrip("=")


def _before(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        name, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if name == "points" and type(key) is int and 0 < key < 2**63:
            return key
    except (ValueError, TypeError):
        pass
    raise InvalidFields([FieldProblem("cursor", f'"{cursor}" is not a cursor of this list')],
                        where="query")  # fmt: skip


def points_of(
    *, uow: UnitOfWork, actor: Actor, person: str, limit: int = 100, cursor: str | None = None
) -> Statement:
    """The person's balance, the points still open with their expiry, and the entries
    newest first. An employee sees only their own (anyone else's: not found)."""
    if not actor.may_see_points_of(person):
        if actor.may(P.USE_OWN_POINTS):
            raise NotFound(f"no points of {person}")
        require(actor, P.READ_POINTS)
    if not 1 <= limit <= MAX_PAGE:
        _fail([FieldProblem("limit", f"{limit} is not between 1 and {MAX_PAGE}")], "query")
    before = _before(cursor)
    with uow:
        if uow.groups.party_kind(person) != "person":
            raise NotFound(f"no person {person}")
        balance = uow.incentives.balance(person)
        lots = open_lots(uow.incentives.entries(person))
        rows = uow.incentives.entry_page(person, limit=limit + 1, before=before)
    more = len(rows) > limit
    rows = rows[:limit]
    return Statement(person, balance, lots, rows, _cursor(rows[-1]["id"]) if more else None)


# --------------------------------------------------------------------------- referrals


def record_referral(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, referrer: str, referred: str, on: date
) -> Row:
    """``referrer`` brought ``referred`` in on ``on``: the referrer earns the bonus of a
    referral programme when ``referred`` makes their first internal purchase."""
    require(actor, P.MANAGE_INCENTIVES)
    problems: list[FieldProblem] = []
    if referrer == referred:
        problems.append(FieldProblem("referred", "nobody refers themselves"))
    with uow:
        kinds = uow.groups.party_kinds([referrer, referred])
        for field, person in (("referrer", referrer), ("referred", referred)):
            if kinds.get(person) != "person":
                problems.append(FieldProblem(field, f'"{person}" is not a known person'))
        _fail(problems)
        uow.incentives.lock_account(referred)  # no first purchase of theirs meanwhile
        existing = uow.incentives.referral(referred)
        if existing is not None:
            raise Clash([FieldProblem(
                "referred", f"{referred} was referred by {existing['referrer']} already"
            )])  # fmt: skip
        if uow.incentives.has_bought_internally(referred, other_than=""):
            raise Clash([FieldProblem(
                "referred", f"{referred} has bought internally already: too late for a referral"
            )])  # fmt: skip
        row: Row = {"referred": referred, "referrer": referrer, "referred_on": on,
                    "recorded_at": clock.now(), "recorded_by": actor.username}  # fmt: skip
        try:
            uow.incentives.add_referral(row)
        except IntegrityError:
            raise Clash([FieldProblem("referred", f"{referred} was referred already")]) from None
        _audit(uow, actor, clock, "create", "referrals", referred, None, row)
        uow.commit()
        return row


def list_referrals(*, uow: UnitOfWork, actor: Actor, referrer: str | None = None) -> list[Row]:
    require(actor, P.READ_POINTS)
    with uow:
        return uow.incentives.referrals(referrer=referrer)


# --------------------------------------------------------------------------- participation


class PurchaseSource(Protocol):
    """Where participation reads purchases from: the orders repository can be one."""

    def purchases_between(self, start: date, end: date) -> Iterable[Purchase]: ...


def months_asked(
    *, period: str | None = None, first: str | None = None, last: str | None = None
) -> tuple[Month, Month]:
    """The months of a query: ``period=2026-03``, or ``from=2026-01&to=2026-03``."""
    problems: list[FieldProblem] = []
    given = {"period": period, "from": first, "to": last}
    parsed: dict[str, Month] = {}
    for name, text in given.items():
        if text is not None:
            try:
                month = Month.parse(text)
                check_day(month.first)
                parsed[name] = month
            except ValueError as error:
                problems.append(FieldProblem(name, str(error)))
    if period is not None and (first is not None or last is not None):
        problems.append(FieldProblem("period", "give period, or from and to, not both"))
    elif period is None and (first is None or last is None):
        problems.append(FieldProblem("period", "give period (YYYY-MM), or from and to"))
    _fail(problems, "query")
    if "period" in parsed:
        return parsed["period"], parsed["period"]
    return parsed["from"], parsed["to"]


def _booked_purchases(uow: UnitOfWork) -> PurchaseSource:
    return uow.incentives


def participation_report(
    *,
    uow: UnitOfWork,
    actor: Actor,
    first: Month,
    last: Month,
    source: Callable[[UnitOfWork], PurchaseSource] = _booked_purchases,
) -> Participation:
    """Participation from ``first`` to ``last`` (both included): eligible employees from
    the employments register, purchases from ``source`` (by default the purchases booked
    for points; the orders repository once orders are recorded)."""
    require(actor, P.READ_PARTICIPATION)
    if last < first:
        _fail([FieldProblem("to", f"{last} is before {first}")], "query")
    months = months_between(first, last)
    if len(months) > MAX_MONTHS:
        _fail([FieldProblem("to", f"at most {MAX_MONTHS} months at a time")], "query")
    start, end = first.first, last.next.first
    with uow:
        purchases = list(source(uow).purchases_between(start, end))
        employments = [employment_of(r) for r in uow.groups.all_rows("employments")]
    return participation(purchases=purchases, employments=employments, months=months)


__all__ = [
    "Booking",
    "ExpiryRun",
    "NotAllowed",
    "PurchaseSource",
    "Reversal",
    "Statement",
    "adjust_points",
    "award_points_for_order",
    "book_purchase_points",
    "define_incentive_programme",
    "end_incentive_programme",
    "expire_points",
    "get_incentive_programme",
    "list_incentive_programmes",
    "list_referrals",
    "months_asked",
    "participation_report",
    "points_of",
    "record_referral",
    "redeem_points",
    "reverse_points_for_return",
]
