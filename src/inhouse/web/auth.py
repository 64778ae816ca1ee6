"""Who is asking: bearer API tokens, or short-lived access tokens from password sign-in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import OperationalError

from inhouse.db.uow import UnitOfWork
from inhouse.identity import services as identity
from inhouse.identity.domain import Actor, Permission, Role

logger = logging.getLogger(__name__)

ACCESS_TOKEN_HOURS = 12
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_access_token(actor: Actor, secret: str, now: datetime) -> str:
    """A signed, expiring token for a signed-in user (stateless: nothing stored)."""
    payload = {
        "uid": actor.user_id,
        "sub": actor.username,
        "role": actor.role.value,
        "person": actor.person,
        "exp": int((now + timedelta(hours=ACCESS_TOKEN_HOURS)).timestamp()),
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


def read_access_token(token: str, secret: str, now: datetime) -> Actor | None:
    try:
        body, signature = token.split(".")
        expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            return None
        payload = json.loads(_unb64(body))
        if int(payload["exp"]) < now.timestamp():
            return None
        return Actor(
            user_id=int(payload["uid"]),
            username=str(payload["sub"]),
            role=Role(payload["role"]),
            person=payload.get("person"),
        )
    except (ValueError, KeyError, TypeError):
        return None


class TokenCache:
    """API tokens already looked up, valid while the stored data has not changed.

    Revoking a token writes to the audit log, which moves the data version on, so a
    revoked token is refused as soon as the version is seen to change.
    """

    def __init__(self) -> None:
        self._version = -1
        self._actors: dict[str, Actor | None] = {}
        self._noted: dict[str, datetime] = {}  # token → when this process last stored its use
        self._noting = threading.Lock()

    def actor(self, engine: Any, token: str, version: int, now: datetime) -> Actor | None:
        if version != self._version:
            self._actors = {}
            self._version = version
        if token not in self._actors:
            self._actors[token] = identity.actor_for_token(uow=UnitOfWork(engine), token=token)
        actor = self._actors[token]
        if actor is not None:
            self._note_use(engine, token, now)
        return actor

    def _note_use(self, engine: Any, token: str, now: datetime) -> None:
        """``last_used_at`` to the minute: one small write a minute per token at most."""
        with self._noting:  # concurrent requests with one token: one of them writes
            noted = self._noted.get(token)
            if noted is not None and now - noted < identity.TOKEN_USE_RESOLUTION:
                return
            self._noted[token] = now
        try:
            identity.note_token_use(uow=UnitOfWork(engine), token=token, at=now)
        except OperationalError:  # a busy SQLite file: the request matters more than this
            logger.warning("could not note the use of an API token; will try again")
            self._noted.pop(token, None)


async def current_actor(request: Request, token: Annotated[str | None, Depends(oauth2)]) -> Actor:
    if not token:
        raise HTTPException(401, "sign in: send an API token or an access token as "
                            "'Authorization: Bearer …'", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    state = request.app.state
    actor: Actor | None
    if token.startswith(identity.TOKEN_PREFIX):
        version = state.data_version.current()
        actor = state.token_cache.actor(state.engine, token, version, state.clock.now())
    else:
        actor = read_access_token(token, state.secret_key, state.clock.now())
    if actor is None:
        raise HTTPException(401, "the token is unknown, revoked or expired",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def requires(permission: Permission) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets the request through only with the given permission."""

    async def check(actor: CurrentActor) -> Actor:
        if not actor.may(permission):
            raise HTTPException(403, f"the role {actor.role.value} may not {permission.value}")
        return actor

    return check
