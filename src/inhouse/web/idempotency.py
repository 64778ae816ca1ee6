"""``Idempotency-Key`` on writes: a retried request gets the first answer, not a second write.

The key is reserved in its own committed transaction before the write runs, so two
copies of one request sent at once cannot both write: the second sees the reservation
and is told to retry. A failed write releases the key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from inhouse.clock import Clock
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import Actor

IN_PROGRESS = 0
MAX_KEY = 200


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(jsonable_encoder(body), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def idempotent(
    *,
    engine: Any,
    clock: Clock,
    actor: Actor,
    key: str | None,
    fingerprint: str,
    status: int,
    run: Callable[[], Any],
) -> JSONResponse:
    """Run ``run`` once per (user, key); replay the stored response for a repeated key."""
    if key is None:
        return JSONResponse(jsonable_encoder(run()), status_code=status)
    if not key.strip() or len(key) > MAX_KEY:
        raise HTTPException(400, f"an Idempotency-Key has 1 to {MAX_KEY} characters")
    with UnitOfWork(engine) as uow:
        stored = uow.identity.idempotent_response(actor.user_id, key)
        if stored is None:
            try:
                uow.identity.remember_response(
                    {
                        "user_id": actor.user_id,
                        "key": key,
                        "request_hash": fingerprint,
                        "status": IN_PROGRESS,
                        "body": None,
                        "created_at": clock.now(),
                    }
                )
                uow.commit()
            except IntegrityError:
                stored = {"request_hash": fingerprint, "status": IN_PROGRESS}
    if stored is not None:
        if stored["request_hash"] != fingerprint:
            raise HTTPException(
                422, "this Idempotency-Key was used for a different request; use a new key"
            )
        if stored["status"] == IN_PROGRESS:
            raise HTTPException(409, "a request with this Idempotency-Key is still running")
        return JSONResponse(
            stored["body"], status_code=stored["status"], headers={"Idempotent-Replayed": "true"}
        )
    try:
        body = jsonable_encoder(run())
    except BaseException:
        with UnitOfWork(engine) as uow:
            uow.identity.forget_response(actor.user_id, key)
            uow.commit()
        raise
    with UnitOfWork(engine) as uow:
        uow.identity.finish_response(actor.user_id, key, status, body)
        uow.commit()
    return JSONResponse(body, status_code=status)
