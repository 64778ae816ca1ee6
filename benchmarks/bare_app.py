"""The baseline of ``api_classify.py``: a bare FastAPI endpoint, served like the real app.

``POST /api/v1/classifications`` (and ``POST /api/v1/quotes``, the baseline of
``quote.py``) takes the same JSON body as inhouse's classification
endpoint through a pydantic model and answers a small JSON object, without auth, database
or classification: what FastAPI, pydantic and uvicorn cost per request on this machine.

``create_app`` serves it as a plain ``def``, like the real route, so both pay a hop to the
thread pool (the default baseline); ``create_async_app`` as ``async def``, FastAPI's
cheapest way (``api_classify.py --bare async``).

    uvicorn --factory benchmarks.bare_app:create_app
    uvicorn --factory benchmarks.bare_app:create_async_app
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seller: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=64)
    on: date


class Answer(BaseModel):
    seller: str
    buyer: str
    on: date
    relation: str
    internal: bool


class BasketLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str = Field(min_length=1, max_length=64)
    quantity: Decimal = Field(gt=0)


class Basket(BaseModel):
    """The body of ``POST /api/v1/quotes``."""

    model_config = ConfigDict(extra="forbid")

    seller: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=64)
    on: date
    lines: list[BasketLine] = Field(min_length=1, max_length=1000)


class PricedBasket(BaseModel):
    seller: str
    buyer: str
    on: date
    lines: list[BasketLine]


def answer(body: Question) -> Answer:
    return Answer(
        seller=body.seller, buyer=body.buyer, on=body.on, relation="external", internal=False
    )


def create_app() -> FastAPI:
    app = FastAPI(title="bare", openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/api/v1/classifications", response_model=Answer)
    def classify(body: Question) -> Answer:
        return answer(body)

    @app.post("/api/v1/quotes", response_model=PricedBasket)
    def quote(body: Basket) -> PricedBasket:
        return PricedBasket(seller=body.seller, buyer=body.buyer, on=body.on, lines=body.lines)

    return app


def create_async_app() -> FastAPI:
    app = FastAPI(title="bare, async", openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/api/v1/classifications", response_model=Answer)
    async def classify(body: Question) -> Answer:
        return answer(body)

    return app
