"""What every router needs of a request: its unit of work and retry-safe writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor
from inhouse.web.idempotency import idempotent, request_hash

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry-safe writes: repeat the same key"),
]


def uow_for(request: Request) -> UnitOfWork:
    return UnitOfWork(request.app.state.engine)


def once(
    request: Request,
    actor: Actor,
    key: str | None,
    path: str,
    body: BaseModel,
    run: Callable[[], Any],
    status: int = 201,
) -> JSONResponse:
    """Run a POST once per Idempotency-Key; a repeat gets the first answer."""
    state = request.app.state
    return idempotent(
        engine=state.engine,
        clock=state.clock,
        actor=actor,
        key=key,
        fingerprint=request_hash("POST", path, body),
        status=status,
        run=run,
    )
