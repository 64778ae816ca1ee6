"""Orders and returns: the list, an order with its evidence and price explanations, and the
form that records a return. Employees see only their own orders, sales systems only the
orders they placed; any other order is "not found", like an unknown id."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from inhouse.db.uow import UnitOfWork
from inhouse.errors import FieldProblem, InvalidFields
from inhouse.identity.domain import ORDER_READING, Actor, Permission
from inhouse.orders import services as orders
from inhouse.web.pages.core import N_, checked_form, day_param, needs, redirect, render
from inhouse.web.pages.groups import RELATIONS
from inhouse.web.pages.lists import Column, list_page

router = APIRouter()
P = Permission
OrderReader = Annotated[Actor, Depends(needs(*ORDER_READING))]
OrderWriter = Annotated[Actor, Depends(needs(P.PLACE_ORDERS))]
Form = Annotated[FormData, Depends(checked_form)]
SOURCES = {"api": N_("recorded"), "import": N_("imported")}


def order_link(row: dict[str, Any]) -> str:
    return f"/orders/{quote(str(row['id']), safe='')}"


ORDER_COLUMNS = [
    Column("id", N_("Order"), order_link),
    Column("on", N_("Date")),
    Column("seller", N_("Seller")),
    Column("buyer", N_("Buyer")),
    Column("relation", N_("Relation"), values=RELATIONS),
    Column("seller_entity", N_("Seller's entity")),
    Column("buyer_entity", N_("Buyer's entity")),
    Column("internal", N_("Internal")),
    Column("source", N_("Source"), values=SOURCES),
]


@router.get("/orders")
def order_list(request: Request, actor: OrderReader) -> Response:
    return list_page(request, actor, name="orders", title=N_("Orders and returns"),
                     columns=ORDER_COLUMNS)  # fmt: skip


def _order_page(request: Request, actor: Actor, order_id: str, *, problems: list[FieldProblem],
                form: dict[str, str], status: int = 200) -> Response:  # fmt: skip
    record = orders.get_order(uow=UnitOfWork(request.app.state.engine), actor=actor,
                              order=order_id)  # fmt: skip
    returned: dict[int, Decimal] = {}
    for made in record["returns"]:
        for line in made["lines"]:
            returned[line["line"]] = returned.get(line["line"], Decimal(0)) + line["quantity"]
    return render(
        request,
        "order.html",
        {"order": record, "relations": RELATIONS, "returned": returned, "problems": problems,
         "form": form, "may_return": actor.may(P.PLACE_ORDERS)},
        actor=actor,
        status=status,
    )  # fmt: skip


@router.get("/orders/{order_id}")
def order_page(request: Request, order_id: str, actor: OrderReader) -> Response:
    return _order_page(request, actor, order_id, problems=[], form={})


@router.post("/orders/{order_id}/returns")
def record_return(request: Request, order_id: str, actor: OrderWriter, form: Form) -> Response:
    """Record a return of some units of the order's lines (the API's rules and roles)."""
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    problems: list[FieldProblem] = []
    lines: list[orders.ReturnLineIn] = []
    for key, text in values.items():
        if not key.startswith("line-") or not text.strip():
            continue
        try:
            number, quantity = int(key.removeprefix("line-")), Decimal(text.strip())
        except (ValueError, InvalidOperation):
            problems.append(FieldProblem(key, f'"{text}" is not a quantity'))
            continue
        if quantity != 0:
            lines.append(orders.ReturnLineIn(number, quantity))
    day, problem = day_param(request, values.get("on"))
    if problem:
        problems.append(FieldProblem("on", problem))
    if not problems:
        try:
            orders.return_order(uow=UnitOfWork(request.app.state.engine), actor=actor,
                                clock=request.app.state.clock, order=order_id, lines=lines,
                                on=day)  # fmt: skip
        except InvalidFields as error:
            problems = error.problems
        else:
            return redirect(f"/orders/{quote(order_id, safe='')}#returns")
    return _order_page(request, actor, order_id, problems=problems, form=values, status=422)
