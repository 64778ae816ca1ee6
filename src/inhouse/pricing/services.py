"""Use cases of the pricing context: products with dated prices, programmes, quotes.

Every write checks the whole request first and names every bad field at once
(``InvalidFields``), then what collides with stored records (``Clash``),
then writes, appends to the audit log in the same transaction, and commits.

Quotes change nothing; they count what the buyer's recorded orders have used of caps
and quantity limits this year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from inhouse.clock import Clock
from inhouse.dates import Period
from inhouse.errors import FieldProblem, InvalidFields
from inhouse.groups.domain import Classification, EmploymentKind, Register, Relation, trim
from inhouse.groups.services import Clash, RegisterCache
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotFound, record, require
from inhouse.money import minor_unit
from inhouse.orders.domain import usage_of
from inhouse.pricing.domain import (
    Product,
    ProductKind,
    ProgrammeKind,
    QuantityLimit,
    Quote,
    QuoteLine,
    ScopeKind,
    TransferMethod,
    quote,
)
from inhouse.pricing.repository import amount_of, product_of, programme_of

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

Row = dict[str, Any]
P = Permission


def _fail(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidFields(problems)


def _product_row(uow: UnitOfWork, product: str) -> Row:
    row = uow.pricing.product(product)
    if row is None:
        raise NotFound(f"no product {product}")
    return _with_prices(row, uow.pricing.prices([product])[product])


def _with_prices(row: Row, prices: list[Row]) -> Row:
    """A product row with its prices, amounts at the currency's minor unit."""
    currency = row["currency"]
    shown = [
        {**p, "list_price": amount_of(p["list_price"], currency),
         "unit_cost": None if p["unit_cost"] is None else amount_of(p["unit_cost"], currency)}
        for p in prices
    ]  # fmt: skip
    return {**row, "prices": shown}


def _audit(uow: UnitOfWork, actor: Actor, clock: Clock, action: str, resource: str,
           resource_id: str, before: Row | None, after: Row | None) -> None:  # fmt: skip
    record(uow=uow, actor=actor, clock=clock, action=action, resource=resource,
           resource_id=resource_id, before=before, after=after)  # fmt: skip


def check_amount(
    problems: list[FieldProblem], field: str, value: Decimal | None, digits: int = 16
) -> None:
    """At least 0 and what an amount column keeps: ``digits`` before the point, 4 after it."""
    if value is None:
        return
    if not value.is_finite() or value < 0:
        problems.append(FieldProblem(field, f"{value} is not an amount of at least 0"))
    elif value >= Decimal(10) ** digits:
        problems.append(
            FieldProblem(field, f"{value} has more than {digits} digits before the point")
        )
    elif value != value.quantize(Decimal("0.0001")):
        problems.append(FieldProblem(field, f"{value} has more than 4 decimal places"))


# --------------------------------------------------------------------------- products


def define_product(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    seller: str,
    name: str,
    currency: str,
    list_price: Decimal,
    unit_cost: Decimal | None = None,
    valid_from: date | None = None,
    kind: str = "goods",
    category: str | None = None,
    for_employees_only: bool = False,
) -> Row:
    """A new product of ``seller`` with its first price, valid from ``valid_from`` (open)."""
    require(actor, P.WRITE_PRICING)
    problems: list[FieldProblem] = []
    with uow:
        if "/" in id:
            problems.append(FieldProblem("id", f'"{id}" has a "/"; ids have none'))
        if uow.groups.party_kind(seller) != "entity":
            problems.append(FieldProblem("seller", f'"{seller}" is not a known entity'))
        try:
            minor_unit(currency)
        except ValueError as error:
            problems.append(FieldProblem("currency", str(error)))
        if kind not in {k.value for k in ProductKind}:
            problems.append(FieldProblem("kind", f'"{kind}" is not goods or service'))
        check_amount(problems, "list_price", list_price)
        check_amount(problems, "unit_cost", unit_cost)
        _fail(problems)
        if uow.pricing.product(id) is not None:
            raise Clash([FieldProblem("id", f'"{id}" is already a product')])
        row: Row = {"id": id, "seller": seller, "name": name, "kind": kind,
                    "category": category, "currency": currency,
                    "for_employees_only": for_employees_only}  # fmt: skip
        try:
            uow.pricing.add_product(row)
        except IntegrityError:  # stored by a concurrent request since the check
            raise Clash([FieldProblem("id", f'"{id}" is already a product')]) from None
        uow.pricing.add_price({"product": id, "valid_from": valid_from, "valid_to": None,
                               "list_price": list_price, "unit_cost": unit_cost})  # fmt: skip
        after = _product_row(uow, id)
        _audit(uow, actor, clock, "create", "products", id, None, after)
        uow.commit()
        return after


def reprice_product(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    product: str,
    valid_from: date,
    list_price: Decimal,
    unit_cost: Decimal | None = None,
) -> Row:
    """A new price from ``valid_from`` on: the open price ends that day (half-open)."""
    require(actor, P.WRITE_PRICING)
    problems: list[FieldProblem] = []
    check_amount(problems, "list_price", list_price)
    check_amount(problems, "unit_cost", unit_cost)
    _fail(problems)
    with uow:
        before = _product_row(uow, product)
        prices: list[Row] = before["prices"]
        open_ = [p for p in prices if p["valid_to"] is None]
        for price in open_:
            if price["valid_from"] is not None and price["valid_from"] >= valid_from:
                raise Clash([FieldProblem(
                    "valid_from",
                    f"the price of {product} valid from {price['valid_from']} "
                    f"starts on or after {valid_from}; a new price starts after it",
                )])  # fmt: skip
        later = [p for p in prices if p["valid_to"] is not None and p["valid_to"] > valid_from]
        if later:
            raise Clash([FieldProblem(
                "valid_from",
                f"{product} has a price valid until {later[-1]['valid_to']}, after {valid_from}",
            )])  # fmt: skip
        for price in open_:
            uow.pricing.end_price(price["id"], valid_from)
        uow.pricing.add_price({"product": product, "valid_from": valid_from, "valid_to": None,
                               "list_price": list_price, "unit_cost": unit_cost})  # fmt: skip
        after = _product_row(uow, product)
        product_of(after, after["prices"])  # one price a day: the domain checks the history
        _audit(uow, actor, clock, "update", "products", product, before, after)
        uow.commit()
        return after


def get_product(*, uow: UnitOfWork, actor: Actor, product: str) -> Row:
    require(actor, P.READ_PRICING)
    with uow:
        return _product_row(uow, product)


def list_products(
    *,
    uow: UnitOfWork,
    actor: Actor,
    seller: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> tuple[list[Row], str | None]:
    """A page of products in id order and the cursor of the next page (None: the last)."""
    require(actor, P.READ_PRICING)
    with uow:
        rows = uow.pricing.products(seller=seller, limit=limit + 1, after=cursor)
        more = len(rows) > limit
        rows = rows[:limit]
        prices = uow.pricing.prices([r["id"] for r in rows])
        shown = [_with_prices(r, prices[r["id"]]) for r in rows]
    return shown, rows[-1]["id"] if more else None


# --------------------------------------------------------------------------- programmes


@dataclass(frozen=True, slots=True)
class LimitIn:
    max_quantity: Decimal
    product: str | None = None
    category: str | None = None


def check_programme(
    *,
    id: str,
    name: str,
    kind: str,
    scope_kind: str = "all",
    scope_id: str | None = None,
    categories_included: Sequence[str] = (),
    categories_excluded: Sequence[str] = (),
    valid_from: date | None = None,
    valid_to: date | None = None,
    priority: int = 0,
    discount_pct: Decimal | None = None,
    markup_pct: Decimal | None = None,
    margin_pct: Decimal | None = None,
    method: str | None = None,
    include_retirees: bool = False,
    waiting_days: int = 0,
    annual_cap: Decimal | None = None,
    annual_cap_currency: str | None = None,
    quantity_limits: Sequence[LimitIn] = (),
    comparables: Sequence[Decimal] = (),
) -> Row:
    """A programme's stored row from its fields; ``InvalidFields`` names every bad one."""
    problems: list[FieldProblem] = []
    if "/" in id:
        problems.append(FieldProblem("id", f'"{id}" has a "/"; ids have none'))
    if kind not in {k.value for k in ProgrammeKind}:
        known = ", ".join(k.value for k in ProgrammeKind)
        problems.append(FieldProblem("kind", f'"{kind}" is not one of {known}'))
    if scope_kind not in {k.value for k in ScopeKind}:
        problems.append(FieldProblem("scope_kind", f'"{scope_kind}" is not entity, group or all'))
    elif (scope_kind == "all") != (scope_id is None):
        problems.append(
            FieldProblem("scope_id", "an entity or group scope names its id; scope all has none")
        )
    if method is not None and method not in {m.value for m in TransferMethod}:
        known = ", ".join(m.value for m in TransferMethod)
        problems.append(FieldProblem("method", f'"{method}" is not one of {known}'))
    check_amount(problems, "annual_cap", annual_cap)
    for field, pct in (("discount_pct", discount_pct), ("markup_pct", markup_pct),
                       ("margin_pct", margin_pct)):  # fmt: skip
        check_amount(problems, field, pct, digits=5)
    if (annual_cap is None) != (annual_cap_currency is None):
        problems.append(FieldProblem("annual_cap_currency", "an annual cap has its currency"))
    try:
        Period(valid_from, valid_to)
    except ValueError as error:
        problems.append(FieldProblem("valid_to", str(error)))
    limits: list[QuantityLimit] = []
    for index, limit in enumerate(quantity_limits):
        try:
            limits.append(QuantityLimit(limit.max_quantity, limit.product, limit.category))
        except ValueError as error:
            problems.append(FieldProblem(f"quantity_limits.{index}", str(error)))
    _fail(problems)
    row: Row = {
        "id": id, "name": name, "kind": kind, "scope_kind": scope_kind, "scope_id": scope_id,
        "categories_included": sorted(set(categories_included)),
        "categories_excluded": sorted(set(categories_excluded)),
        "valid_from": valid_from, "valid_to": valid_to, "priority": priority,
        "discount_pct": discount_pct, "markup_pct": markup_pct, "margin_pct": margin_pct,
        "method": method, "include_retirees": include_retirees, "waiting_days": waiting_days,
        "annual_cap": annual_cap, "annual_cap_currency": annual_cap_currency,
        "quantity_limits": [
            {"max_quantity": str(q.max_quantity), "product": q.product, "category": q.category}
            for q in limits
        ],
        "comparables": [str(c) for c in comparables],
    }  # fmt: skip
    try:
        programme_of(row)
    except ValueError as error:
        raise InvalidFields([FieldProblem("body", str(error))]) from None
    return row


def define_programme(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    id: str,
    name: str,
    kind: str,
    scope_kind: str = "all",
    scope_id: str | None = None,
    categories_included: Sequence[str] = (),
    categories_excluded: Sequence[str] = (),
    valid_from: date | None = None,
    valid_to: date | None = None,
    priority: int = 0,
    discount_pct: Decimal | None = None,
    markup_pct: Decimal | None = None,
    margin_pct: Decimal | None = None,
    method: str | None = None,
    include_retirees: bool = False,
    waiting_days: int = 0,
    annual_cap: Decimal | None = None,
    annual_cap_currency: str | None = None,
    quantity_limits: Sequence[LimitIn] = (),
    comparables: Sequence[Decimal] = (),
) -> Row:
    """A new pricing programme; the domain's rules decide which fields a kind uses."""
    require(actor, P.WRITE_PRICING)
    row = check_programme(
        id=id,
        name=name,
        kind=kind,
        scope_kind=scope_kind,
        scope_id=scope_id,
        categories_included=categories_included,
        categories_excluded=categories_excluded,
        valid_from=valid_from,
        valid_to=valid_to,
        priority=priority,
        discount_pct=discount_pct,
        markup_pct=markup_pct,
        margin_pct=margin_pct,
        method=method,
        include_retirees=include_retirees,
        waiting_days=waiting_days,
        annual_cap=annual_cap,
        annual_cap_currency=annual_cap_currency,
        quantity_limits=quantity_limits,
        comparables=comparables,
    )
    with uow:
        if scope_kind == "entity" and uow.groups.party_kind(scope_id or "") != "entity":
            _fail([FieldProblem("scope_id", f'"{scope_id}" is not a known entity')])
        if uow.pricing.programme(id) is not None:
            raise Clash([FieldProblem("id", f'"{id}" is already a programme')])
        try:
            uow.pricing.add_programme(row)
        except IntegrityError:  # stored by a concurrent request since the check
            raise Clash([FieldProblem("id", f'"{id}" is already a programme')]) from None
        after = _programme_row(uow, id)
        _audit(uow, actor, clock, "create", "programmes", id, None, after)
        uow.commit()
        return after


def _programme_row(uow: UnitOfWork, programme: str) -> Row:
    row = uow.pricing.programme(programme)
    if row is None:
        raise NotFound(f"no programme {programme}")
    cap, currency = row["annual_cap"], row["annual_cap_currency"]
    if cap is not None:
        row["annual_cap"] = amount_of(cap, currency)
    for field in ("discount_pct", "markup_pct", "margin_pct"):
        if row[field] is not None:
            row[field] = trim(Decimal(str(row[field])))
    return row


def end_programme(*, uow: UnitOfWork, actor: Actor, clock: Clock, programme: str, on: date) -> Row:
    """The programme applies until the day before ``on`` (half-open)."""
    require(actor, P.WRITE_PRICING)
    with uow:
        before = _programme_row(uow, programme)
        if before["valid_to"] is not None and before["valid_to"] <= on:
            return before  # already over by then: nothing changes
        if before["valid_from"] is not None and before["valid_from"] >= on:
            raise Clash([FieldProblem(
                "on", f"programme {programme} starts on {before['valid_from']}, so it cannot end on {on}"
            )])  # fmt: skip
        uow.pricing.end_programme(programme, on)
        after = _programme_row(uow, programme)
        _audit(uow, actor, clock, "end", "programmes", programme, before, after)
        uow.commit()
        return after


def get_programme(*, uow: UnitOfWork, actor: Actor, programme: str) -> Row:
    require(actor, P.READ_PRICING)
    with uow:
        return _programme_row(uow, programme)


def list_programmes(
    *, uow: UnitOfWork, actor: Actor, limit: int = 100, cursor: str | None = None
) -> tuple[list[Row], str | None]:
    """A page of programmes in id order and the cursor of the next page (None: the last)."""
    require(actor, P.READ_PRICING)
    with uow:
        rows = uow.pricing.programmes(limit=limit + 1, after=cursor)
        more = len(rows) > limit
        shown = [_programme_row(uow, r["id"]) for r in rows[:limit]]
    return shown, shown[-1]["id"] if more else None


# --------------------------------------------------------------------------- quotes


@dataclass(frozen=True, slots=True)
class BasketLine:
    product: str
    quantity: Decimal


def quote_basket(
    *,
    uow: UnitOfWork,
    cache: RegisterCache,
    actor: Actor,
    seller: str,
    buyer: str,
    on: date,
    lines: Sequence[BasketLine],
) -> Quote:
    """Price ``lines`` for ``buyer`` buying from ``seller`` on ``on``; nothing is stored.

    Caps and quantity limits count what the buyer's recorded orders of the year have
    used of them (less returns).
    """
    require(actor, P.QUOTE)
    check_basket(lines)
    register = cache.current(uow)
    sale = register.classify(seller, buyer, on)
    with uow:
        return price_basket(uow=uow, register=register, sale=sale, lines=lines)


def check_basket(lines: Sequence[BasketLine]) -> None:
    """Refuse an empty basket and quantities that are not more than 0 (every problem at once)."""
    problems: list[FieldProblem] = []
    if not lines:
        problems.append(FieldProblem("lines", "a basket needs at least one line"))
    for index, line in enumerate(lines):
        if not line.quantity.is_finite() or line.quantity <= 0:
            problems.append(
                FieldProblem(f"lines.{index}.quantity", f"{line.quantity} is not more than 0")
            )
        elif line.quantity >= Decimal(10) ** 16:
            problems.append(
                FieldProblem(f"lines.{index}.quantity", f"{line.quantity} is not less than 10^16")
            )
        elif line.quantity != line.quantity.quantize(Decimal("0.0001")):
            problems.append(
                FieldProblem(
                    f"lines.{index}.quantity", f"{line.quantity} has more than 4 decimal places"
                )
            )
    _fail(problems)


def price_basket(
    *, uow: UnitOfWork, register: Register, sale: Classification, lines: Sequence[BasketLine]
) -> Quote:
    """Price checked ``lines`` of ``sale`` inside the caller's open unit of work.

    The buyer's usage of caps and quantity limits is read from the orders of the sale's
    year (the caller that records an order holds the buyer's ledger lock first). For
    staff the employment that makes them staff (at the seller's entity for
    ``employee``, at the employing group entity for ``group_employee``) gives the start
    for waiting days and the retiree flag.
    """
    on = sale.on
    products = uow.pricing.load_products(sorted({line.product for line in lines}))
    programmes = uow.pricing.load_programmes()
    problems: list[FieldProblem] = []
    for index, line in enumerate(lines):
        found: Product | None = products.get(line.product)
        if found is None:
            problems.append(
                FieldProblem(f"lines.{index}.product", f'"{line.product}" is not a known product')
            )
        elif found.seller != sale.seller_entity:
            problems.append(
                FieldProblem(
                    f"lines.{index}.product",
                    f"{found.id} is sold by {found.seller}, not by {sale.seller_entity}",
                )
            )
    _fail(problems)
    caps = {p.id: p.annual_cap.currency for p in programmes if p.annual_cap is not None}
    usage = usage_of(uow.orders.usage_entries(sale.buyer, on.year), caps)
    employed_since, retiree = employment_facts(register, sale)
    return quote(
        buyer=sale,
        lines=[QuoteLine(products[line.product], line.quantity) for line in lines],
        programmes=programmes,
        usage=usage,
        employed_since=employed_since,
        retiree=retiree,
    )


def employment_facts(register: Register, sale: Classification) -> tuple[date | None, bool]:
    """For staff: the start of the employment that makes them staff, and whether it is a
    retirement (at the seller's entity for ``employee``, at the employing group entity for
    ``group_employee``); for anyone else ``(None, False)``."""
    staff_at = {Relation.EMPLOYEE: sale.seller_entity, Relation.GROUP_EMPLOYEE: sale.buyer_entity}
    if sale.relation in staff_at:
        for employment in register.employments_of(sale.buyer, sale.on):
            if employment.entity == staff_at[sale.relation]:
                return employment.period.valid_from, employment.kind is EmploymentKind.RETIREE
    return None, False
