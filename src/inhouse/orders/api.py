"""HTTP routes of the orders context: orders and their returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from inhouse.identity.domain import Actor, Permission
from inhouse.orders import services
from inhouse.orders.schemas import OrderCreate, OrderPage, OrderRead, ReturnCreate, ReturnRead
from inhouse.schema_types import Day
from inhouse.web.auth import current_actor, requires
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import IdempotencyKey, once, uow_for

router = APIRouter(responses=PROBLEM_RESPONSES, tags=["orders"])

Seller = Annotated[Actor, Depends(requires(Permission.PLACE_ORDERS))]
Reader = Annotated[Actor, Depends(current_actor)]


@router.post("/orders", status_code=201, response_model=OrderRead)
def place_order(
    request: Request, body: OrderCreate, actor: Seller, key: IdempotencyKey = None
) -> JSONResponse:
    """Record an order: priced like a quote on its day, under the buyer's ledger lock, so
    caps and quantity limits hold however many orders arrive at once. The classification
    and each line's price explanation are stored with the order."""
    state = request.app.state

    def run() -> OrderRead:
        lines = [services.OrderLineIn(x.product, x.quantity, x.market_price) for x in body.lines]
        row = services.place_order(uow=uow_for(request), cache=state.register_cache,
                                   actor=actor, clock=state.clock, seller=body.seller,
                                   buyer=body.buyer, lines=lines, on=body.on,
                                   id=body.id)  # fmt: skip
        return OrderRead.model_validate(row)

    return once(request, actor, key, "/orders", body, run)


@router.get("/orders", response_model=OrderPage)
def list_orders(
    request: Request,
    actor: Reader,
    buyer: Annotated[str | None, Query(description="Only this buyer's orders")] = None,
    seller_entity: Annotated[str | None, Query(description="Only this entity's sales")] = None,
    relation: Annotated[str | None, Query(description="Only orders of this relation")] = None,
    since: Annotated[Day | None, Query(alias="from", description="First day")] = None,
    until: Annotated[Day | None, Query(alias="to", description="First day not included")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> OrderPage:
    """Orders by day and id. Employees see only their own."""
    page = services.list_orders(uow=uow_for(request), actor=actor, limit=limit, cursor=cursor,
                                buyer=buyer, seller_entity=seller_entity, relation=relation,
                                since=since, until=until)  # fmt: skip
    return OrderPage(
        items=[OrderRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(request: Request, order_id: str, actor: Reader) -> OrderRead:
    return OrderRead.model_validate(
        services.get_order(uow=uow_for(request), actor=actor, order=order_id)
    )


@router.post("/orders/{order_id}/returns", status_code=201, response_model=ReturnRead)
def return_order(
    request: Request, order_id: str, body: ReturnCreate, actor: Seller, key: IdempotencyKey = None
) -> JSONResponse:
    """Return units of an order's lines: the refund, and the discount and quantities given
    back to the caps of the order's year, with the words that explain them."""
    state = request.app.state

    def run() -> ReturnRead:
        lines = [services.ReturnLineIn(x.line, x.quantity) for x in body.lines]
        row = services.return_order(uow=uow_for(request), actor=actor, clock=state.clock,
                                    order=order_id, lines=lines, on=body.on,
                                    id=body.id)  # fmt: skip
        return ReturnRead.model_validate(row)

    return once(request, actor, key, f"/orders/{order_id}/returns", body, run)
