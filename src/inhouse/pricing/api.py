"""HTTP routes of the pricing context: products, programmes and quotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor, Permission
from inhouse.pricing import services
from inhouse.pricing.schemas import (
    EndOn,
    PriceCreate,
    ProductCreate,
    ProductPage,
    ProductRead,
    ProgrammeCreate,
    ProgrammePage,
    ProgrammeRead,
    QuoteRead,
    QuoteRequest,
)
from inhouse.web.auth import requires
from inhouse.web.problems import PROBLEM_RESPONSES
from inhouse.web.requests import IdempotencyKey, once, uow_for

router = APIRouter(responses=PROBLEM_RESPONSES)

ReadPricing = Annotated[Actor, Depends(requires(Permission.READ_PRICING))]
WritePricing = Annotated[Actor, Depends(requires(Permission.WRITE_PRICING))]
Quoter = Annotated[Actor, Depends(requires(Permission.QUOTE))]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


# --------------------------------------------------------------------------- products


@router.post("/products", status_code=201, response_model=ProductRead, tags=["pricing"])
def create_product(
    request: Request, body: ProductCreate, actor: WritePricing, key: IdempotencyKey = None
) -> JSONResponse:
    """Define a product of a legal entity with its first price (open-ended)."""

    def run() -> ProductRead:
        row = services.define_product(uow=uow_for(request), actor=actor,
                                      clock=request.app.state.clock, **body.model_dump())  # fmt: skip
        return ProductRead.of(row)

    return once(request, actor, key, "/products", body, run)


@router.get("/products", response_model=ProductPage, tags=["pricing"])
def list_products(
    request: Request,
    actor: ReadPricing,
    seller: Annotated[str | None, Query(description="Only this entity's products")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ProductPage:
    """Products in id order with their dated prices."""
    rows, next_cursor = services.list_products(uow=uow_for(request), actor=actor, seller=seller,
                                               limit=limit, cursor=cursor)  # fmt: skip
    return ProductPage(items=[ProductRead.of(r) for r in rows], next_cursor=next_cursor)


@router.get("/products/{product_id}", response_model=ProductRead, tags=["pricing"])
def get_product(request: Request, product_id: str, actor: ReadPricing) -> ProductRead:
    return ProductRead.of(
        services.get_product(uow=uow_for(request), actor=actor, product=product_id)
    )


@router.post(
    "/products/{product_id}/prices", status_code=201, response_model=ProductRead, tags=["pricing"]
)
def reprice_product(
    request: Request,
    product_id: str,
    body: PriceCreate,
    actor: WritePricing,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """A new price from `valid_from` on; the open price ends that day (periods are half-open)."""

    def run() -> ProductRead:
        row = services.reprice_product(uow=uow_for(request), actor=actor,
                                       clock=request.app.state.clock, product=product_id,
                                       **body.model_dump())  # fmt: skip
        return ProductRead.of(row)

    return once(request, actor, key, f"/products/{product_id}/prices", body, run)


# --------------------------------------------------------------------------- programmes


@router.post("/programmes", status_code=201, response_model=ProgrammeRead, tags=["pricing"])
def create_programme(
    request: Request, body: ProgrammeCreate, actor: WritePricing, key: IdempotencyKey = None
) -> JSONResponse:
    """Define a pricing programme (staff discount, group staff discount, department charge
    or transfer price); fields a kind does not use are refused."""

    def run() -> ProgrammeRead:
        fields = body.model_dump(exclude={"quantity_limits"})
        limits = [services.LimitIn(q.max_quantity, q.product, q.category)
                  for q in body.quantity_limits]  # fmt: skip
        row = services.define_programme(uow=uow_for(request), actor=actor,
                                        clock=request.app.state.clock,
                                        quantity_limits=limits, **fields)  # fmt: skip
        return ProgrammeRead.model_validate(row)

    return once(request, actor, key, "/programmes", body, run)


@router.get("/programmes", response_model=ProgrammePage, tags=["pricing"])
def list_programmes(
    request: Request, actor: ReadPricing, limit: Limit = 100, cursor: Cursor = None
) -> ProgrammePage:
    """Programmes in id order."""
    rows, next_cursor = services.list_programmes(uow=uow_for(request), actor=actor, limit=limit,
                                                 cursor=cursor)  # fmt: skip
    return ProgrammePage(items=[ProgrammeRead.model_validate(r) for r in rows],
                         next_cursor=next_cursor)  # fmt: skip


@router.get("/programmes/{programme_id}", response_model=ProgrammeRead, tags=["pricing"])
def get_programme(request: Request, programme_id: str, actor: ReadPricing) -> ProgrammeRead:
    row = services.get_programme(uow=uow_for(request), actor=actor, programme=programme_id)
    return ProgrammeRead.model_validate(row)


@router.post("/programmes/{programme_id}/end", response_model=ProgrammeRead, tags=["pricing"])
def end_programme(
    request: Request,
    programme_id: str,
    body: EndOn,
    actor: WritePricing,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """End a programme: it applies up to the day before `on`."""

    def run() -> ProgrammeRead:
        row = services.end_programme(uow=uow_for(request), actor=actor,
                                     clock=request.app.state.clock, programme=programme_id,
                                     on=body.on)  # fmt: skip
        return ProgrammeRead.model_validate(row)

    return once(request, actor, key, f"/programmes/{programme_id}/end", body, run, 200)


# --------------------------------------------------------------------------- quotes


@router.post("/quotes", response_model=QuoteRead, tags=["pricing"])
def create_quote(request: Request, body: QuoteRequest, actor: Quoter) -> QuoteRead:
    """Price a basket for a buyer on a date: per line the relation, the programme, the unit
    price, the discount, what is left of the cap and why other programmes did not apply.

    Nothing is stored. Until orders exist, caps and quantity limits count no usage.
    """
    state = request.app.state
    answer = services.quote_basket(
        uow=UnitOfWork(state.engine),
        cache=state.register_cache,
        actor=actor,
        seller=body.seller,
        buyer=body.buyer,
        on=body.on,
        lines=[services.BasketLine(line.product, line.quantity) for line in body.lines],
    )
    return QuoteRead.of(answer)
