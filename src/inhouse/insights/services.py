"""Read-only use cases: searchable, paginated lists of records, and the numbers of the charts.

Every function checks the actor's permission exactly as the API's route for the same
records does (an ``employee`` sees only their own person and employments, anyone sees
their own API tokens). Charts are plain numbers (:class:`Figure`); the web app draws
them and shows their table.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Table, false

from inhouse.benefits.domain import BenefitStatement
from inhouse.care import tables as care
from inhouse.errors import InvalidRequest, UnknownParty
from inhouse.groups import tables as groups
from inhouse.groups.domain import Register
from inhouse.groups.services import GroupPosition, RegisterCache, group_structure
from inhouse.identity import tables as identity
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotAllowed, require
from inhouse.incentives import tables as incentives
from inhouse.insights.repository import InsightsRepository
from inhouse.orders import tables as orders
from inhouse.pricing import tables as pricing

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

Row = dict[str, Any]
P = Permission
T = TypeVar("T")
logger = logging.getLogger(__name__)
MAX_PAGE = 200
MAX_EXPORT = 100_000


# =========================================================================== lists


@dataclass(frozen=True, slots=True)
class ListQuery:
    search: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Listing:
    name: str
    columns: tuple[str, ...]
    rows: list[Row]
    total: int
    offset: int
    limit: int


Scope = Callable[[Actor, Table], list[ColumnElement[bool]]]


def _everything(_actor: Actor, _table: Table) -> list[ColumnElement[bool]]:
    return []


def _own_person(column: str) -> Scope:
    """People readers see everyone; an employee only the rows of their own person."""

    def scope(actor: Actor, table: Table) -> list[ColumnElement[bool]]:
        if actor.may(P.READ_PEOPLE):
            return []
        if actor.may(P.READ_OWN_PERSON) and actor.person is not None:
            return [table.c[column] == actor.person]
        return [false()]

    return scope


def _own_orders(actor: Actor, table: Table) -> list[ColumnElement[bool]]:
    """Order readers see every order; a sales system only the orders it placed, an
    employee only the orders they bought (as ``Actor.may_see_order``)."""
    if actor.may(P.READ_ORDERS):
        return []
    if actor.may(P.READ_PLACED_ORDERS):
        return [table.c.placed_by == actor.user_id]
    if actor.may(P.READ_OWN_ORDERS) and actor.person is not None:
        return [table.c.buyer == actor.person]
    return [false()]


def _own_tickets(actor: Actor, table: Table) -> list[ColumnElement[bool]]:
    """Ticket readers see every ticket; an employee only the tickets they asked."""
    if actor.may(P.READ_TICKETS):
        return []
    if actor.may(P.OWN_TICKETS) and actor.person is not None:
        return [table.c.requester == actor.person]
    return [false()]


def _own_tokens(actor: Actor, table: Table) -> list[ColumnElement[bool]]:
    return [] if actor.may(P.MANAGE_USERS) else [table.c.user_id == actor.user_id]


@dataclass(frozen=True, slots=True)
class ListSpec:
    table: Table
    columns: tuple[str, ...]
    search: tuple[str, ...]
    order: tuple[str, ...]
    permissions: tuple[Permission, ...]  # any one of them lets the actor in
    scope: Scope = _everything
    newest_first: bool = False


LISTS: dict[str, ListSpec] = {
    "entities": ListSpec(
        groups.entities,
        ("id", "name", "country", "currency", "lei", "vat_id", "line_of_business"),
        ("id", "name", "country", "line_of_business"),
        ("id",),
        (P.READ_GROUP_STRUCTURE,),
    ),
    "stakes": ListSpec(
        groups.stakes,
        ("id", "holder", "entity", "voting", "equity", "valid_from", "valid_to", "control"),
        ("holder", "entity"),
        ("id",),
        (P.READ_GROUP_STRUCTURE,),
    ),
    "units": ListSpec(
        groups.units,
        ("id", "entity", "name", "parent", "cost_centre"),
        ("id", "entity", "name", "cost_centre"),
        ("id",),
        (P.READ_GROUP_STRUCTURE,),
    ),
    "persons": ListSpec(
        groups.persons,
        ("id", "name", "email", "employee_no"),
        ("id", "name", "email", "employee_no"),
        ("id",),
        (P.READ_PEOPLE, P.READ_OWN_PERSON),
        _own_person("id"),
    ),
    "employments": ListSpec(
        groups.employments,
        ("id", "person", "entity", "unit", "kind", "valid_from", "valid_to"),
        ("person", "entity", "unit", "kind"),
        ("id",),
        (P.READ_PEOPLE, P.READ_OWN_PERSON),
        _own_person("person"),
    ),
    "products": ListSpec(
        pricing.products,
        ("id", "seller", "name", "kind", "category", "currency", "for_employees_only"),
        ("id", "seller", "name", "category"),
        ("id",),
        (P.READ_PRICING,),
    ),
    "programmes": ListSpec(
        pricing.programmes,
        (
            "id",
            "name",
            "kind",
            "scope_kind",
            "scope_id",
            "valid_from",
            "valid_to",
            "discount_pct",
            "annual_cap",
            "annual_cap_currency",
        ),
        ("id", "name", "kind", "scope_id"),
        ("id",),
        (P.READ_PRICING,),
    ),
    "orders": ListSpec(
        orders.orders,
        (
            "id",
            "on",
            "seller",
            "buyer",
            "relation",
            "seller_entity",
            "buyer_entity",
            "internal",
            "source",
        ),
        ("id", "seller", "buyer", "relation", "seller_entity", "buyer_entity"),
        ("on", "id"),
        (P.READ_ORDERS, P.READ_PLACED_ORDERS, P.READ_OWN_ORDERS),
        _own_orders,
        newest_first=True,
    ),
    "tickets": ListSpec(
        care.tickets,
        (
            "id",
            "created_at",
            "requester",
            "serving_entity",
            "relation",
            "internal",
            "priority",
            "status",
            "subject",
            "policy",
            "first_response_due",
            "resolution_due",
            "breached",
        ),
        ("id", "requester", "serving_entity", "relation", "status", "priority", "subject"),
        ("created_at", "id"),
        (P.READ_TICKETS, P.OWN_TICKETS),
        _own_tickets,
        newest_first=True,
    ),
    "surveys": ListSpec(
        care.surveys,
        (
            "id",
            "kind",
            "ticket",
            "serving_entity",
            "requester",
            "relation",
            "created_at",
            "expires_at",
            "answered_at",
            "score",
            "comment",
        ),
        ("kind", "ticket", "serving_entity", "requester", "relation", "comment"),
        ("id",),
        (P.READ_TICKETS,),
        newest_first=True,
    ),
    "point_accounts": ListSpec(
        incentives.point_accounts,
        ("person", "balance"),
        ("person",),
        ("person",),
        (P.READ_POINTS,),
    ),
    "users": ListSpec(
        identity.users,
        ("id", "username", "role", "person", "active", "created_at"),
        ("username", "role", "person"),
        ("id",),
        (P.MANAGE_USERS,),
    ),
    "tokens": ListSpec(
        identity.api_tokens,
        ("id", "user_id", "name", "prefix", "created_at", "last_used_at", "revoked_at"),
        ("name", "prefix"),
        ("id",),
        tuple(Permission),  # everyone: their own tokens (admins: all)
        _own_tokens,
    ),
    "audit": ListSpec(
        identity.audit_log,
        ("id", "at", "actor", "action", "resource", "resource_id"),
        ("actor", "action", "resource", "resource_id"),
        ("id",),
        (P.READ_AUDIT_LOG,),
        newest_first=True,
    ),
}


def may_list(actor: Actor, name: str) -> bool:
    return any(actor.may(p) for p in LISTS[name].permissions)


def _spec(actor: Actor, name: str) -> ListSpec:
    spec = LISTS[name]
    if not may_list(actor, name):
        require(actor, spec.permissions[0])
    return spec


def _order(spec: ListSpec) -> list[Any]:
    columns = [spec.table.c[c] for c in spec.order]
    return [c.desc() for c in columns] if spec.newest_first else columns


def browse(
    *,
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    query: ListQuery,
    where: dict[str, Any] | None = None,
) -> Listing:
    """One page of the list ``name`` (see :data:`LISTS`) that the actor may see."""
    spec = _spec(actor, name)
    limit = max(1, min(query.limit, MAX_PAGE))
    offset = max(0, query.offset)
    conditions = spec.scope(actor, spec.table)
    conditions += [spec.table.c[k] == v for k, v in (where or {}).items()]
    with uow:
        rows, total = InsightsRepository(uow.connection).browse(
            spec.table,
            columns=spec.columns,
            search_columns=spec.search,
            search=query.search,
            where=conditions,
            order_by=_order(spec),
            offset=offset,
            limit=limit,
        )
    return Listing(name, spec.columns, rows, total, offset, limit)


def export(
    *,
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    search: str | None,
    where: dict[str, Any] | None = None,
) -> tuple[tuple[str, ...], Iterator[Row]]:
    """The columns and every matching row (at most :data:`MAX_EXPORT`) of a list."""
    spec = _spec(actor, name)
    conditions = spec.scope(actor, spec.table)
    conditions += [spec.table.c[k] == v for k, v in (where or {}).items()]

    def rows() -> Iterator[Row]:
        with uow:
            yield from InsightsRepository(uow.connection).stream(
                spec.table,
                columns=spec.columns,
                search_columns=spec.search,
                search=search,
                where=conditions,
                order_by=_order(spec),
                limit=MAX_EXPORT,
            )

    return spec.columns, rows()


# =========================================================================== charts


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[Decimal | int, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """The numbers of one chart: ``categories`` along one axis, one value per series each.

    ``kind`` is ``bar``, ``line`` or ``heatmap`` (then ``series`` are the rows). ``unit``
    is ``count`` or a currency code.
    """

    key: str
    kind: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = "count"
    labels: dict[str, str] = field(default_factory=dict)  # category id → readable name

    @property
    def empty(self) -> bool:
        return not self.categories or all(not any(s.values) for s in self.series)


def month_starts(on: date, months: int) -> list[date]:
    """The first days of the ``months`` months up to and including ``on``'s month."""
    days: list[date] = []
    year, month = on.year, on.month
    for _ in range(months):
        days.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(days))


def headcount_by_entity(*, uow: UnitOfWork, actor: Actor, on: date) -> Figure:
    """People employed by each legal entity on ``on``."""
    require(actor, P.READ_PEOPLE)
    with uow:
        rows = InsightsRepository(uow.connection).headcount_by_entity(on)
    return Figure(
        "headcount_by_entity",
        "bar",
        tuple(r[0] for r in rows),
        (Series("employees", tuple(r[2] for r in rows)),),
        labels={r[0]: r[1] for r in rows},
    )


def headcount_over_time(*, uow: UnitOfWork, actor: Actor, on: date, months: int = 12) -> Figure:
    """Employees and retirees of all entities on the first day of each month."""
    require(actor, P.READ_PEOPLE)
    days = month_starts(on, months)
    with uow:
        rows = InsightsRepository(uow.connection).headcount_on(days)
    return Figure(
        "headcount_over_time",
        "line",
        tuple(d.isoformat() for d, _, _ in rows),
        (
            Series("employees", tuple(e for _, e, _ in rows)),
            Series("retirees", tuple(r for _, _, r in rows)),
        ),
    )


def group_sizes(*, register: Register, actor: Actor, on: date) -> Figure:
    """Groups (an ultimate parent with at least one member) and their number of entities."""
    require(actor, P.READ_GROUP_STRUCTURE)
    members = register.structure_on(on).members()
    sized = sorted(
        ((head, len(m)) for head, m in members.items() if len(m) > 1), key=lambda x: (-x[1], x[0])
    )
    return Figure(
        "group_sizes",
        "bar",
        tuple(h for h, _ in sized),
        (Series("entities", tuple(n for _, n in sized)),),
        labels={h: register.entities[h].name for h, _ in sized},
    )


def programmes_by_kind(*, uow: UnitOfWork, actor: Actor, on: date) -> Figure:
    """Programmes running on ``on``, by kind."""
    require(actor, P.READ_PRICING)
    with uow:
        rows = InsightsRepository(uow.connection).programme_kinds(on)
    return Figure(
        "programmes_by_kind",
        "bar",
        tuple(k for k, _ in rows),
        (Series("programmes", tuple(n for _, n in rows)),),
    )


PARITY_SERIES = ("internal: SLA met (%)", "external: SLA met (%)")


def service_parity(*, uow: UnitOfWork, actor: Actor, on: date) -> Figure:
    """SLA attainment of internal and external customers' tickets, per month of the twelve
    up to ``on``'s month (UTC): tickets whose stored SLA figures show no breached clock ÷
    tickets whose outcome is decided. Months in which either segment has no decided
    ticket are left out (there is nothing to compare); each month's label gives the
    numbers of decided tickets, internal / external.

    The outcome is the one stored at the ticket's last event (no clock here): a clock
    that ran past its due time counts once the ticket's next event stores it, whereas
    the parity report (``care.services.parity``) counts it as breached as of now."""
    require(actor, P.READ_PARITY)
    months = month_starts(on, 12)
    with uow:
        rows = InsightsRepository(uow.connection).attainment_by_month(
            months[0], _next_month(months[-1])
        )
    by = {(r["month"], r["internal"]): r for r in rows}
    kept: list[tuple[str, Row, Row]] = []
    for month in months:
        key = month.isoformat()[:7]
        inside, outside = by.get((key, True)), by.get((key, False))
        if inside and outside and inside["decided"] and outside["decided"]:
            kept.append((month.isoformat(), inside, outside))

    def pct(row: Row) -> Decimal:
        return (Decimal(row["met"]) * 100 / Decimal(row["decided"])).quantize(Decimal("0.1"))

    return Figure(
        "service_parity", "line", tuple(m for m, _, _ in kept),
        (Series(PARITY_SERIES[0], tuple(pct(i) for _, i, _ in kept)),
         Series(PARITY_SERIES[1], tuple(pct(o) for _, _, o in kept))),
        unit="percent", labels={m: f"{i['decided']} / {o['decided']}" for m, i, o in kept},
    )  # fmt: skip


DASHBOARD_PERMISSIONS = (P.READ_GROUP_STRUCTURE, P.READ_PEOPLE, P.READ_PRICING, P.READ_PARITY,
                         P.READ_ORDERS, P.READ_BENEFITS, P.READ_PARTICIPATION)  # fmt: skip
"""The permissions behind the dashboard's charts: a role with none of them (an employee, a
sales system) has no dashboard."""


def has_dashboard(actor: Actor) -> bool:
    return any(actor.may(p) for p in DASHBOARD_PERMISSIONS)


def dashboard(
    *,
    uow_factory: Callable[[], UnitOfWork],
    register: Callable[[], Register],
    actor: Actor,
    on: date,
) -> tuple[Figure, ...]:
    """Every chart with numbers that the actor may see, besides the order charts. They
    depend on the data, the day and :func:`figures_slot` only, so the app keeps them per
    data version (a :class:`VersionedCache`)."""
    figures: list[Figure] = []
    if actor.may(P.READ_GROUP_STRUCTURE):
        figures.append(group_sizes(register=register(), actor=actor, on=on))
    if actor.may(P.READ_PEOPLE):
        figures.append(headcount_by_entity(uow=uow_factory(), actor=actor, on=on))
        figures.append(headcount_over_time(uow=uow_factory(), actor=actor, on=on))
    if actor.may(P.READ_PRICING):
        figures.append(programmes_by_kind(uow=uow_factory(), actor=actor, on=on))
    if actor.may(P.READ_PARITY):
        figures.append(service_parity(uow=uow_factory(), actor=actor, on=on))
    return tuple(figures)


def figures_slot(actor: Actor, on: date) -> tuple[Any, ...]:
    """What :func:`dashboard` depends on besides the data: the day and what the actor
    may read."""
    return (on, *(actor.may(p) for p in (P.READ_GROUP_STRUCTURE, P.READ_PEOPLE,
                                         P.READ_PRICING, P.READ_PARITY)))  # fmt: skip


# =========================================================================== order charts

SALES_CHARTS = ("revenue_by_relation", "internal_share", "intercompany_matrix")
RELATION_ORDER = ("same_entity", "intercompany", "employee", "group_employee", "related_party",
                  "external")  # fmt: skip
INTERNAL = frozenset(RELATION_ORDER[:4])


@dataclass(frozen=True, slots=True)
class OrderNumbers:
    """The aggregates of the order charts for the twelve months up to a day, every currency.

    They are the same for everyone: :func:`order_charts` picks what an actor may see.
    """

    months: tuple[date, ...]
    sales: tuple[Row, ...]  # month, relation, currency, amount, staff_discount
    intercompany: tuple[Row, ...]  # seller, buyer, currency, amount
    participation: tuple[tuple[date, int, int], ...]  # month, eligible, participants

    @property
    def currencies(self) -> tuple[str, ...]:
        """Currencies sold in, the one of the most months and relations with sales first
        (amounts of different currencies are never compared or added together)."""
        counts: dict[str, int] = {}
        for row in self.sales:
            counts[row["currency"]] = counts.get(row["currency"], 0) + 1
        return tuple(sorted(counts, key=lambda c: (-counts[c], c)))


def order_numbers(*, uow_factory: Callable[[], UnitOfWork], actor: Actor, on: date) -> OrderNumbers:
    """Aggregates of the orders and returns of the twelve months up to ``on``'s month."""
    if not any(actor.may(p) for p in (P.READ_ORDERS, P.READ_BENEFITS, P.READ_PARTICIPATION)):
        require(actor, P.READ_ORDERS)
    months = tuple(month_starts(on, 12))
    since, until = months[0], _next_month(months[-1])
    with uow_factory() as uow:
        repository = InsightsRepository(uow.connection)
        sales = repository.sales_by_month(since, until)
        intercompany = (
            repository.intercompany_sales(since, until) if actor.may(P.READ_ORDERS) else []
        )
        participation = (
            repository.participation_by_month(months) if actor.may(P.READ_PARTICIPATION) else []
        )
    return OrderNumbers(months, tuple(sales), tuple(intercompany), tuple(participation))


@dataclass(frozen=True, slots=True)
class TaxableNumbers:
    """Taxable benefits per (YYYY-MM, currency) of the twelve months up to a day, or why
    they could not be computed."""

    owed: dict[tuple[str, str], Decimal]
    problem: str | None = None


def taxable_numbers(
    *, actor: Actor, on: date, statements: Callable[[int], Iterable[BenefitStatement]]
) -> TaxableNumbers:
    """The taxable benefits of the statements of the years of the twelve months up to
    ``on``, by month. ``statements(year)`` is the benefits service; it values every staff
    line in Python, so the dashboard computes this in the background."""
    require(actor, P.READ_BENEFITS)
    months = month_starts(on, 12)
    first, last = months[0].isoformat()[:7], months[-1].isoformat()[:7]
    owed: dict[tuple[str, str], Decimal] = {}
    try:
        for year in sorted({m.year for m in months}):
            for key, amount in taxable_by_month(statements(year)).items():
                if first <= key[0] <= last:
                    owed[key] = owed.get(key, Decimal(0)) + amount
    except InvalidRequest as error:  # lines the benefit rules cannot value yet
        return TaxableNumbers({}, str(error))
    return TaxableNumbers(owed)


def _next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def taxable_by_month(statements: Iterable[BenefitStatement]) -> dict[tuple[str, str], Decimal]:
    """The taxable benefits of statements by the month they arose in, per currency.

    A monthly statement (DE § 8 (2)) counts in its month; lines taxed one by one (US, UK)
    count in the month of their day; a yearly allowance (DE § 8 (3)) makes the benefit
    taxable in the months after the allowance is used up, line by line in date order.
    """
    owed: dict[tuple[str, str], Decimal] = {}

    def add(day: date, currency: str, amount: Decimal) -> None:
        if amount:
            key = (day.isoformat()[:7], currency)
            owed[key] = owed.get(key, Decimal(0)) + amount

    for statement in statements:
        total = statement.taxable.amount
        if not total:
            continue
        currency = statement.currency
        period = statement.period
        if (period.end - period.start).days <= 31:
            add(period.start, currency, total)
            continue
        lines = sorted(statement.lines, key=lambda v: (v.line.on, v.line.id))
        if lines and all(v.taxable is not None for v in lines):
            for v in lines:
                assert v.taxable is not None
                add(v.line.on, currency, v.taxable.amount)
            continue
        allowance = statement.allowance.amount if statement.allowance is not None else Decimal(0)
        running, counted = Decimal(0), Decimal(0)
        for v in lines:
            before = max(Decimal(0), running - allowance)
            running += v.benefit.amount
            part = max(Decimal(0), running - allowance) - before
            add(v.line.on, currency, part)
            counted += part
        if counted != total:  # rounding of the statement: the rest in its last month
            add(lines[-1].line.on if lines else period.start, currency, total - counted)
    return owed


def order_charts(
    *,
    numbers: OrderNumbers,
    actor: Actor,
    currency: str | None,
    taxable: TaxableNumbers | None = None,
) -> list[Figure]:
    """The order charts the actor may see, their amounts in ``currency`` (default: the most
    used currency). Currencies are never added together. Without ``taxable`` (or when it
    names a problem) the benefits chart shows the discount cost alone."""
    chosen = currency if currency in numbers.currencies else next(iter(numbers.currencies), None)
    months = [m.isoformat() for m in numbers.months]
    keys = [m[:7] for m in months]
    figures: list[Figure] = []
    sales = [r for r in numbers.sales if r["currency"] == chosen]
    unit = chosen or "count"
    if actor.may(P.READ_ORDERS):
        relations = [r for r in RELATION_ORDER if any(x["relation"] == r for x in sales)]
        relations += sorted({x["relation"] for x in sales} - set(relations))
        by = {(x["month"], x["relation"]): x["amount"] for x in sales}
        figures.append(Figure(
            "revenue_by_relation", "line", tuple(months),
            tuple(Series(r, tuple(by.get((k, r), Decimal(0)) for k in keys)) for r in relations),
            unit=unit,
        ))  # fmt: skip
        shares: list[tuple[str, Decimal]] = []
        for month, key in zip(months, keys, strict=True):
            total = sum((x["amount"] for x in sales if x["month"] == key), Decimal(0))
            inside = sum((x["amount"] for x in sales if x["month"] == key
                          and x["relation"] in INTERNAL), Decimal(0))  # fmt: skip
            if total > 0:
                shares.append((month, (inside * 100 / total).quantize(Decimal("0.1"))))
        figures.append(Figure("internal_share", "line", tuple(m for m, _ in shares),
                              (Series("internal share (%)", tuple(v for _, v in shares)),),
                              unit="percent"))  # fmt: skip
    if actor.may(P.READ_BENEFITS):
        cost = tuple(sum((x["staff_discount"] for x in sales if x["month"] == k), Decimal(0))
                     for k in keys)  # fmt: skip
        series: tuple[Series, ...] = (Series("staff discount cost", cost),)
        if taxable is not None and taxable.problem is None:  # no zeros for unknown numbers
            owed = tuple(taxable.owed.get((k, chosen or ""), Decimal(0)) for k in keys)
            series += (Series("taxable benefits", owed),)
        figures.append(Figure("staff_discount_cost", "line", tuple(months), series, unit=unit))
    if actor.may(P.READ_ORDERS):
        pairs = [x for x in numbers.intercompany if x["currency"] == chosen]
        sellers = sorted({x["seller"] for x in pairs})
        buyers = sorted({x["buyer"] for x in pairs})
        amounts = {(x["seller"], x["buyer"]): x["amount"] for x in pairs}
        figures.append(Figure(
            "intercompany_matrix", "heatmap", tuple(sellers),
            tuple(Series(b, tuple(amounts.get((s, b), Decimal(0)) for s in sellers))
                  for b in buyers),
            unit=unit,
        ))  # fmt: skip
    if actor.may(P.READ_PARTICIPATION):
        rated = [(m.isoformat(), e, n) for m, e, n in numbers.participation if e]
        figures.append(Figure(
            "programme_participation", "line", tuple(m for m, _, _ in rated),
            (Series("participation (%)",
                    tuple((Decimal(n) * 100 / e).quantize(Decimal("0.1")) for _, e, n in rated)),),
            unit="percent", labels={m: f"{n} / {e}" for m, e, n in rated},
        ))  # fmt: skip
    return figures


def caps_left(*, uow: UnitOfWork, actor: Actor, person: str, year: int) -> list[Row]:
    """What is left this year of each staff programme's annual cap for ``person``: the cap
    less the discounts of the person's order lines under it, less what returns gave back."""
    if not actor.may(P.READ_ORDERS):
        require(actor, P.READ_OWN_ORDERS)
        if person != actor.person:
            raise NotAllowed(f"the role {actor.role.value} may not read the orders of {person}")
    with uow:
        entries = uow.orders.usage_entries(person, year)
        capped = InsightsRepository(uow.connection).capped_programmes(year)
    used: dict[str, Decimal] = {}
    for entry in entries:
        used[entry.programme] = used.get(entry.programme, Decimal(0)) + entry.discount.amount
    rows: list[Row] = []
    for programme in capped:
        spent = used.get(programme["id"], Decimal(0))
        cap = Decimal(str(programme["annual_cap"]))
        rows.append({**programme, "annual_cap": cap, "used": spent,
                     "left": max(Decimal(0), cap - spent)})  # fmt: skip
    return rows


class VersionedCache(Generic[T]):
    """Numbers per data version, served without waiting once computed.

    Each *slot* (e.g. the day and what the actor may read) keeps the value of the newest
    data version computed. A request for a newer version gets that value at once, marked
    stale, while one background thread per slot computes the new version. A slot without
    any value yet computes it in the request (``wait_first``) or in the background
    (answering ``None`` meanwhile). So a dashboard after a write answers as fast as
    before it, and shows the write's effect a moment later.
    """

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._kept: dict[tuple[Any, ...], tuple[int, T]] = {}
        self._running: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()
        self._first = threading.Lock()  # one first computation in a request at a time

    def current(
        self,
        slot: tuple[Any, ...],
        version: int,
        compute: Callable[[], T],
        *,
        wait_first: bool = True,
    ) -> tuple[T | None, bool]:
        """The value of ``slot`` and whether it is of ``version`` (else: older, or None)."""
        with self._lock:
            found = self._kept.get(slot)
            if found is not None and found[0] >= version:
                return found[1], True
            if found is not None or not wait_first:
                if slot not in self._running:
                    self._running.add(slot)
                    threading.Thread(target=self._refresh, args=(slot, version, compute),
                                     daemon=True).start()  # fmt: skip
                return (None if found is None else found[1]), False
        with self._first:
            with self._lock:
                found = self._kept.get(slot)
                if found is not None and found[0] >= version:
                    return found[1], True
            value = compute()
            self._keep(slot, version, value)
            return value, True

    def _refresh(self, slot: tuple[Any, ...], version: int, compute: Callable[[], T]) -> None:
        try:
            self._keep(slot, version, compute())
        except Exception:  # the older value stays; the next request tries again
            logger.exception("computing the numbers of %s (data version %s) failed", slot, version)
        finally:
            with self._lock:
                self._running.discard(slot)

    def _keep(self, slot: tuple[Any, ...], version: int, value: T) -> None:
        with self._lock:
            found = self._kept.get(slot)
            if found is not None and found[0] > version:
                return
            if slot not in self._kept and len(self._kept) >= self._size:
                self._kept.pop(next(iter(self._kept)))
            self._kept[slot] = (version, value)


def numbers_slot(actor: Actor, on: date) -> tuple[Any, ...]:
    """What the order aggregates depend on besides the data: the day and what the actor
    may read."""
    return (on, actor.may(P.READ_ORDERS), actor.may(P.READ_BENEFITS),
            actor.may(P.READ_PARTICIPATION))  # fmt: skip


# =========================================================================== structure


@dataclass(frozen=True, slots=True)
class TreeNode:
    position: GroupPosition
    children: tuple[TreeNode, ...]


@dataclass(frozen=True, slots=True)
class Structure:
    on: date
    groups: tuple[TreeNode, ...]  # ultimate parents with their members below them
    standalone: tuple[GroupPosition, ...]  # entities that belong to no group


def stored_register(*, uow: UnitOfWork, cache: RegisterCache, version: int | None) -> Register:
    return cache.current(uow, version)


def structure_tree(
    *, register: Register, actor: Actor, on: date, entity: str | None = None
) -> Structure:
    """Every group on ``on`` as a tree: each member below the entity that controls it.

    With ``entity``, only the group it belongs to (or the entity alone): large registers
    have many groups.
    """
    require(actor, P.READ_GROUP_STRUCTURE)
    group = None
    if entity is not None:
        if entity not in register.entities:
            raise UnknownParty(f"{entity} is not a known legal entity")
        group = register.structure_on(on).group_of(entity)
    positions = group_structure(register=register, on=on, group=group)
    by_group: dict[str, list[GroupPosition]] = {}
    for position in positions:
        by_group.setdefault(position.ultimate_parent, []).append(position)
    trees: list[TreeNode] = []
    alone: list[GroupPosition] = []
    for head, members in sorted(by_group.items()):
        if len(members) == 1:
            alone.append(members[0])
            continue
        below: dict[str | None, list[GroupPosition]] = {}
        for member in members:
            parent = None if member.entity == head else member.controller
            below.setdefault(parent, []).append(member)

        root = next(m for m in members if m.entity == head)
        trees.append(_node(root, below, frozenset()))
    return Structure(on, tuple(trees), tuple(alone))


def _node(
    position: GroupPosition, below: dict[str | None, list[GroupPosition]], seen: frozenset[str]
) -> TreeNode:
    inside = seen | {position.entity}
    kids = [p for p in below.get(position.entity, []) if p.entity not in inside]
    return TreeNode(position, tuple(_node(k, below, inside) for k in kids))


@dataclass(frozen=True, slots=True)
class PositionChange:
    entity: str
    name: str
    what: str  # "group", "controller", "effective_pct", "uncertain", "joined"…
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class StakeChange:
    sentence: str
    started: date | None
    ended: date | None


@dataclass(frozen=True, slots=True)
class StructureChanges:
    before: date
    after: date
    positions: tuple[PositionChange, ...]
    stakes: tuple[StakeChange, ...]


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f")


def structure_changes(
    *, register: Register, actor: Actor, before: date, after: date
) -> StructureChanges:
    """What changed in the group structure between two days, and the stakes that did it."""
    require(actor, P.READ_GROUP_STRUCTURE)
    if after < before:
        before, after = after, before
    old = {p.entity: p for p in group_structure(register=register, on=before)}
    new = {p.entity: p for p in group_structure(register=register, on=after)}
    changes: list[PositionChange] = []
    for entity in sorted(old.keys() | new.keys()):
        a, b = old.get(entity), new.get(entity)
        if a is None or b is None:
            continue
        name = b.name
        if a.ultimate_parent != b.ultimate_parent:
            changes.append(PositionChange(entity, name, "group", a.ultimate_parent,
                                          b.ultimate_parent))  # fmt: skip
        if a.controller != b.controller:
            changes.append(PositionChange(entity, name, "controller", a.controller, b.controller))
        if a.effective_pct != b.effective_pct and a.ultimate_parent == b.ultimate_parent:
            changes.append(PositionChange(entity, name, "effective_pct", _pct(a.effective_pct),
                                          _pct(b.effective_pct)))  # fmt: skip
        if a.uncertain != b.uncertain:
            changes.append(PositionChange(entity, name, "uncertain", str(a.uncertain).lower(),
                                          str(b.uncertain).lower()))  # fmt: skip
    stakes: list[StakeChange] = []
    for stake in sorted(register.stakes, key=lambda s: (s.entity, s.holder)):
        start, end = stake.period.valid_from, stake.period.valid_to
        # a stake that starts on a day counts from that day: within (before, after]
        started = start if start is not None and before < start <= after else None
        ended = end if end is not None and before < end <= after else None
        if started or ended:
            stakes.append(StakeChange(stake.describe(), started, ended))
    return StructureChanges(before, after, tuple(changes), tuple(stakes))


def ensure(actor: Actor, permission: Permission) -> None:
    """Raise ``NotAllowed`` unless the actor has ``permission`` (for pages without records)."""
    if not actor.may(permission):
        raise NotAllowed(f"the role {actor.role.value} may not {permission.value}")
