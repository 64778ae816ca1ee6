"""Use cases of the orders context: place an order, return part of it, read orders.

An order is priced exactly like a quote, but under the buyer's ledger lock of the
order's year (``OrdersRepository.lock_ledger``): orders and returns of one buyer and
year run one after the other, so what they count of caps and quantity limits is never
stale and together they never pass a cap (rule 10). The classification and every
line's price explanation are stored with the order as they were.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from inhouse.clock import Clock, today
from inhouse.errors import FieldProblem, InvalidFields
from inhouse.groups.domain import Register, trim
from inhouse.groups.services import Clash, RegisterCache
from inhouse.identity.domain import Actor, Permission
from inhouse.identity.services import NotAllowed, NotFound, record, require
from inhouse.incentives.domain import Purchase
from inhouse.incentives.services import award_points_for_order, reverse_points_for_return
from inhouse.money import Money
from inhouse.orders.domain import RecordedLine
from inhouse.orders.repository import line_of, quantity_of
from inhouse.pricing.domain import PricedLine, reverse_line
from inhouse.pricing.repository import amount_of
from inhouse.pricing.services import BasketLine, check_amount, check_basket, price_basket

if TYPE_CHECKING:
    from inhouse.db.uow import UnitOfWork

Row = dict[str, Any]
P = Permission
MAX_ID = 64


@dataclass(frozen=True, slots=True)
class OrderLineIn:
    product: str
    quantity: Decimal
    market_price: Decimal | None = None  # a proven lowest market price (DE, BMF 16.05.2013)


@dataclass(frozen=True, slots=True)
class ReturnLineIn:
    line: int
    quantity: Decimal


def new_id(prefix: str) -> str:
    """``ORD-`` or ``RET-`` and 12 random hex digits: unique without a shared counter."""
    return f"{prefix}-{secrets.token_hex(6).upper()}"


def _check_id(problems: list[FieldProblem], value: str | None) -> None:
    if value is None:
        return
    if not value.strip() or len(value) > MAX_ID or "/" in value:
        problems.append(
            FieldProblem("id", f'"{value}" is not an id (1 to {MAX_ID} characters, no "/")')
        )


# --------------------------------------------------------------------------- placing


def place_order(
    *,
    uow: UnitOfWork,
    cache: RegisterCache,
    actor: Actor,
    clock: Clock,
    seller: str,
    buyer: str,
    lines: Sequence[OrderLineIn],
    on: date | None = None,
    id: str | None = None,
) -> Row:
    """Record an order of ``buyer`` from ``seller`` on ``on`` (default: today), priced now."""
    require(actor, P.PLACE_ORDERS)
    problems: list[FieldProblem] = []
    _check_id(problems, id)
    for index, line in enumerate(lines):
        check_amount(problems, f"lines.{index}.market_price", line.market_price)
    if problems:
        raise InvalidFields(problems)
    basket = [BasketLine(line.product, line.quantity) for line in lines]
    check_basket(basket)
    day = on or today(clock)
    order_id = id or new_id("ORD")
    register = cache.current(uow)
    sale = register.classify(seller, buyer, day)
    with uow:
        if uow.orders.order(order_id) is not None:
            raise Clash([FieldProblem("id", f'"{order_id}" is already an order')])
        uow.orders.lock_ledger(buyer, day.year)
        priced = price_basket(uow=uow, register=register, sale=sale, lines=basket)
        head = {
            "id": order_id, "seller": seller, "buyer": buyer, "on": day,
            "relation": sale.relation.value, "seller_entity": sale.seller_entity,
            "buyer_entity": sale.buyer_entity, "group": sale.group,
            "internal": sale.internal, "uncertain": sale.uncertain,
            "classification": list(sale.evidence), "evidence": list(priced.evidence),
            "source": "api", "created_at": clock.now(), "created_by": actor.username,
            "placed_by": _placer(actor),
        }  # fmt: skip
        rows = [
            _line_row(order_id, line, given)
            for line, given in zip(priced.lines, lines, strict=True)
        ]
        try:
            uow.orders.add_order(head, rows)
        except IntegrityError:  # stored by a concurrent request since the check
            raise Clash([FieldProblem("id", f'"{order_id}" is already an order')]) from None
        after = _order_row(uow, order_id)
        award_points_for_order(uow=uow, clock=clock, actor=actor,
                               order=purchase_facts(after, register))  # fmt: skip
        record(uow=uow, actor=actor, clock=clock, action="create", resource="orders",
               resource_id=order_id, before=None, after=_audit_view(after))  # fmt: skip
        uow.commit()
        return after


def _placer(actor: Actor) -> int | None:
    """The stored user who places an order; the built-in system user (id 0) is none."""
    return actor.user_id if actor.user_id > 0 else None


def _line_row(order: str, line: PricedLine, given: OrderLineIn) -> Row:
    return {
        "order_id": order,
        "number": line.number,
        "product": line.product,
        "category": line.category,
        "kind": line.product_kind.value,
        "for_employees_only": line.for_employees_only,
        "quantity": line.quantity,
        "currency": line.currency,
        "list_price": line.list_price.amount,
        "list_amount": line.list_amount.amount,
        "unit_price": line.unit_price.amount,
        "amount": line.amount.amount,
        "discount": line.discount.amount,
        "unit_cost": None if line.unit_cost is None else line.unit_cost.amount,
        "market_price": given.market_price,
        "programme": line.programme,
        "programme_kind": None if line.programme_kind is None else line.programme_kind.value,
        "base": line.base.value,
        "cap_left": None if line.cap_left is None else line.cap_left.amount,
        "evidence": list(line.evidence),
        "not_applied": [
            {"programme": n.programme, "reason": n.reason.value, "sentence": n.sentence}
            for n in line.not_applied
        ],
    }


# --------------------------------------------------------------------------- returns


def return_order(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    order: str,
    lines: Sequence[ReturnLineIn],
    on: date | None = None,
    id: str | None = None,
) -> Row:
    """Record a return of units of ``order``'s lines; it gives back price, discount and cap."""
    require(actor, P.PLACE_ORDERS)
    problems: list[FieldProblem] = []
    _check_id(problems, id)
    if not lines:
        problems.append(FieldProblem("lines", "a return needs at least one line"))
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line.line in seen:
            problems.append(FieldProblem(f"lines.{index}.line", f"line {line.line} is given twice"))
        seen.add(line.line)
        if not line.quantity.is_finite() or line.quantity <= 0:
            problems.append(
                FieldProblem(f"lines.{index}.quantity", f"{line.quantity} is not more than 0")
            )
    if problems:
        raise InvalidFields(problems)
    day = on or today(clock)
    return_id = id or new_id("RET")
    with uow:
        head = uow.orders.order(order)
        if head is None or not actor.may_see_order(
            buyer=head["buyer"], placed_by=head["placed_by"]
        ):
            raise NotFound(f"no order {order}")  # an order one may not read: as if unknown
        if day < head["on"]:
            raise InvalidFields(
                [FieldProblem("on", f"{day} is before the order's day, {head['on']}")]
            )
        if uow.orders.known_ids([return_id]):
            raise Clash([FieldProblem("id", f'"{return_id}" is already an order or a return')])
        uow.orders.lock_ledger(head["buyer"], head["on"].year)
        before = _order_row(uow, order)
        stored = {row["number"]: line_of(row, head["on"]) for row in before["lines"]}
        returned = uow.orders.returned(order)
        rows: list[Row] = []
        for index, line in enumerate(lines):
            found: RecordedLine | None = stored.get(line.line)
            if found is None:
                problems.append(
                    FieldProblem(f"lines.{index}.line", f"order {order} has no line {line.line}")
                )
                continue
            already = returned.get(line.line, Decimal(0))
            left = found.quantity - already
            if line.quantity > left:
                problems.append(
                    FieldProblem(
                        f"lines.{index}.quantity",
                        f"line {line.line} has {_plain(left)} of {_plain(found.quantity)} "
                        f"left to return, not {_plain(line.quantity)}",
                    )
                )
                continue
            reversal = reverse_line(found, line.quantity, already_returned=already)
            rows.append({
                "return_id": return_id, "line": line.line, "order_id": order,
                "quantity": line.quantity, "amount": reversal.amount.amount,
                "list_amount": reversal.list_amount.amount, "discount": reversal.discount.amount,
                "quantity_given_back": reversal.quantity_given_back,
                "evidence": list(reversal.evidence),
            })  # fmt: skip
        if problems:
            raise InvalidFields(problems)
        return_head = {"id": return_id, "order_id": order, "on": day, "source": "api",
                       "created_at": clock.now(), "created_by": actor.username}  # fmt: skip
        try:
            uow.orders.add_return(return_head, rows)
        except IntegrityError:
            raise Clash([FieldProblem("id", f'"{return_id}" is already a return')]) from None
        after = _order_row(uow, order)
        made: Row = next(r for r in after["returns"] if r["id"] == return_id)
        refund = _totals(made["lines"])
        currency = after["lines"][0]["currency"]
        reverse_points_for_return(uow=uow, clock=clock, actor=actor, return_id=return_id,
                                  order=order, on=day,
                                  amount=Money(refund.get(currency, Decimal(0)), currency))  # fmt: skip
        record(uow=uow, actor=actor, clock=clock, action="return", resource="orders",
               resource_id=order, before=None, after=_return_view(made))  # fmt: skip
        uow.commit()
        return made


def purchase_facts(order: Row, register: Register) -> Purchase:
    """What the incentives context needs of a stored order (its first currency's lines)."""
    currency = order["lines"][0]["currency"]
    lines = [line for line in order["lines"] if line["currency"] == currency]
    buyer, on = order["buyer"], order["on"]
    kind = register.kind_of(buyer)
    person = buyer if kind == "person" else None
    unit = buyer if kind == "unit" else None
    if person is not None:
        unit = next((e.unit for e in register.employments_of(person, on)
                     if e.entity == order["buyer_entity"]), None)  # fmt: skip
    return Purchase(
        order=order["id"],
        person=person,
        seller=order["seller_entity"],
        buyer_entity=order["buyer_entity"],
        unit=unit,
        on=on,
        amount=Money(sum((Decimal(x["amount"]) for x in lines), Decimal(0)), currency),
        list_amount=Money(sum((Decimal(x["list_amount"]) for x in lines), Decimal(0)), currency),
        internal=order["internal"],
        relation=order["relation"],
        group=order["group"],
    )


def _plain(value: Decimal) -> str:
    return format(trim(value), "f")


# --------------------------------------------------------------------------- reading


def get_order(*, uow: UnitOfWork, actor: Actor, order: str) -> Row:
    """One order with its lines and returns. An order the actor may not read (another
    buyer's for an employee, another user's for a sales system) is "not found", exactly
    like an unknown id; a role that reads no orders at all is refused whatever the id."""
    _require_order_reader(actor)
    with uow:
        head = uow.orders.order(order)
        if head is None or not actor.may_see_order(
            buyer=head["buyer"], placed_by=head["placed_by"]
        ):
            raise NotFound(f"no order {order}")
        return _with_details(uow, [head])[0]


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: list[Row]
    next_cursor: str | None


def list_orders(
    *,
    uow: UnitOfWork,
    actor: Actor,
    limit: int = 100,
    cursor: str | None = None,
    buyer: str | None = None,
    seller_entity: str | None = None,
    relation: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> OrderPage:
    """Orders by date and id; a sales system sees only the orders it placed, an employee
    only the orders they bought."""
    _require_order_reader(actor)
    placed_by: int | None = None
    if not actor.may(P.READ_ORDERS):
        if actor.may(P.READ_PLACED_ORDERS):
            placed_by = actor.user_id
        else:
            if buyer is not None and buyer != actor.person:
                raise NotAllowed(f"the role {actor.role.value} may not read the orders of {buyer}")
            buyer = actor.person or ""
    after: tuple[date, str] | None = None
    if cursor is not None:
        day, _, last = cursor.partition("~")
        try:
            after = (date.fromisoformat(day), last)
        except ValueError:
            raise InvalidFields(
                [FieldProblem("cursor", f'"{cursor}" is not a cursor of this list')]
            ) from None
    with uow:
        heads = uow.orders.page(limit=limit + 1, after=after, buyer=buyer, placed_by=placed_by,
                                seller_entity=seller_entity, relation=relation,
                                since=since, until=until)  # fmt: skip
        more = len(heads) > limit
        heads = heads[:limit]
        items = _with_details(uow, heads)
    next_cursor = f"{heads[-1]['on'].isoformat()}~{heads[-1]['id']}" if more else None
    return OrderPage(items, next_cursor)


def _require_order_reader(actor: Actor) -> None:
    if not actor.may_read_orders():
        require(actor, P.READ_ORDERS)


def _order_row(uow: UnitOfWork, order: str) -> Row:
    head = uow.orders.order(order)
    if head is None:
        raise NotFound(f"no order {order}")
    return _with_details(uow, [head])[0]


def _with_details(uow: UnitOfWork, heads: list[Row]) -> list[Row]:
    ids = [h["id"] for h in heads]
    lines = uow.orders.lines(ids)
    returns = uow.orders.returns(ids)
    result: list[Row] = []
    for head in heads:
        shown = [_shown_line(line) for line in lines[head["id"]]]
        shown_returns = [
            {**r, "lines": [_shown_return_line(x, lines[head["id"]]) for x in r["lines"]]}
            for r in returns[head["id"]]
        ]
        result.append({**head, "lines": shown, "returns": shown_returns,
                       "totals": _totals(shown), "refunded": _totals(
                           [x for r in shown_returns for x in r["lines"]])})  # fmt: skip
    return result


_AMOUNTS = ("list_price", "list_amount", "unit_price", "amount", "discount", "unit_cost",
            "market_price", "cap_left")  # fmt: skip


def _shown_line(row: Row) -> Row:
    currency = row["currency"]
    shown = dict(row)
    for field in _AMOUNTS:
        if shown[field] is not None:
            shown[field] = amount_of(shown[field], currency)
    shown["quantity"] = quantity_of(row["quantity"])
    return shown


def _shown_return_line(row: Row, lines: list[Row]) -> Row:
    currency = next(line["currency"] for line in lines if line["number"] == row["line"])
    shown = dict(row, currency=currency)
    for field in ("amount", "list_amount", "discount"):
        shown[field] = amount_of(row[field], currency)
    shown["quantity"] = quantity_of(row["quantity"])
    shown["quantity_given_back"] = quantity_of(row["quantity_given_back"])
    return shown


def _totals(lines: list[Row]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line["currency"]] = totals.get(line["currency"], Decimal(0)) + line["amount"]
    return totals


def _audit_view(order: Row) -> Row:
    """The audit log keeps what identifies the order and its amounts, not the explanations."""
    return {
        "id": order["id"], "seller": order["seller"], "buyer": order["buyer"],
        "on": order["on"], "relation": order["relation"],
        "lines": [{k: line[k] for k in ("number", "product", "quantity", "currency",
                                        "amount", "discount", "programme")}
                  for line in order["lines"]],
    }  # fmt: skip


def _return_view(made: Row) -> Row:
    return {
        "id": made["id"], "order": made["order_id"], "on": made["on"],
        "lines": [{k: line[k] for k in ("line", "quantity", "amount", "discount")}
                  for line in made["lines"]],
    }  # fmt: skip
