"""Users, sign-in, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from inhouse.clock import Clock
from inhouse.db.uow import UnitOfWork
from inhouse.errors import InhouseError, InvalidRequest
from inhouse.identity.domain import Actor, Permission, Role
from inhouse.wire import plain

_hasher = PasswordHasher()
# Verifying against this keeps sign-in for unknown users as slow as for known ones.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
TOKEN_PREFIX = "ih_"
MIN_PASSWORD = 10


class NotAllowed(InhouseError):
    """The actor's role does not grant this."""


class NotFound(InhouseError):
    """No such record."""


class Conflict(InhouseError):
    """The request collides with what is stored (a duplicate id or name)."""


def require(actor: Actor, permission: Permission) -> None:
    if not actor.may(permission):
        raise NotAllowed(f"the role {actor.role.value} may not {permission.value}")


def jsonable(value: Any) -> Any:
    """Rows as JSON for the audit log: dates as ISO text, decimals as plain text
    (``"480.00"``, never ``"4.8E+2"``), bytes left out."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, Enum):
        return value.value
    return value


def record(
    *,  # inside the caller's open unit of work
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    action: str,
    resource: str,
    resource_id: str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry to the audit log, inside the caller's transaction."""
    uow.identity.append_audit(
        {
            "at": clock.now(),
            "actor": actor.username,
            "action": action,
            "resource": resource,
            "resource_id": resource_id,
            "before": jsonable(before),
            "after": jsonable(after),
        }
    )


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def add_user(
    *,
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    username: str,
    password: str | None,
    role: str,
    person: str | None = None,
) -> dict[str, Any]:
    require(actor, Permission.MANAGE_USERS)
    try:
        chosen = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidRequest(f'"{role}" is not a role (expected one of {roles})') from None
    username = username.strip()
    if not username:
        raise InvalidRequest("a username is required")
    if chosen is Role.EMPLOYEE and not person:
        raise InvalidRequest("an employee user must be linked to a person")
    password_hash = hash_password(password) if password else None
    with uow:
        if person is not None and uow.groups.party_kind(person) != "person":
            raise InvalidRequest(f"{person} is not a known person")
        if uow.identity.user_by_name(username) is not None:
            raise Conflict(f"a user named {username} exists already")
        row = uow.identity.add_user(
            {
                "username": username,
                "password_hash": password_hash,
                "role": chosen.value,
                "person": person,
                "active": True,
                "created_at": clock.now(),
            }
        )
        shown = {k: v for k, v in row.items() if k != "password_hash"}
        record(uow=uow, actor=actor, clock=clock, action="create", resource="users",
               resource_id=str(row["id"]), after=shown)  # fmt: skip
        uow.commit()
    return shown


def actor_of(row: dict[str, Any]) -> Actor:
    return Actor(user_id=row["id"], username=row["username"], role=Role(row["role"]),
                 person=row["person"])  # fmt: skip


def authenticate(*, uow: UnitOfWork, username: str, password: str) -> Actor | None:
    """The actor for a username and password, or None (same work either way)."""
    with uow:
        row = uow.identity.user_by_name(username)
    stored = row["password_hash"] if row and row["password_hash"] else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["password_hash"] or not row["active"]:
        return None
    return actor_of(row)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class NewToken:
    id: int
    name: str
    username: str
    secret: str  # shown once; only its hash is stored


def create_token(
    *, uow: UnitOfWork, actor: Actor, clock: Clock, username: str, name: str
) -> NewToken:
    """A new API token for ``username``; admins make them for anyone, others for themselves."""
    if username != actor.username:
        require(actor, Permission.MANAGE_USERS)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow:
        owner = uow.identity.user_by_name(username)
        if owner is None:
            raise NotFound(f"no user named {username}")
        row = uow.identity.add_token(
            {
                "user_id": owner["id"],
                "name": name,
                "prefix": secret[: len(TOKEN_PREFIX) + 6],
                "secret_hash": _digest(secret),
                "created_at": clock.now(),
            }
        )
        record(uow=uow, actor=actor, clock=clock, action="create", resource="api_tokens",
               resource_id=str(row["id"]), after=row)  # fmt: skip
        uow.commit()
    return NewToken(row["id"], name, username, secret)


def actor_for_token(*, uow: UnitOfWork, token: str) -> Actor | None:
    with uow:
        row = uow.identity.token_with_user(_digest(token))
    if row is None or row["revoked_at"] is not None or not row["active"]:
        return None
    return actor_of(row)


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def note_token_use(*, uow: UnitOfWork, token: str, at: datetime) -> None:
    """Remember when an API token was last used, to the minute. Not audited: it is no
    change of the records, and a busy client would flood the log."""
    with uow:
        uow.identity.note_token_use(_digest(token), at, at - TOKEN_USE_RESOLUTION)
        uow.commit()


def revoke_token(*, uow: UnitOfWork, actor: Actor, clock: Clock, token_id: int) -> dict[str, Any]:
    with uow:
        row = uow.identity.token(token_id)
        owner = None if row is None else uow.identity.user_by_id(row["user_id"])
        own = owner is not None and owner["username"] == actor.username
        # another user's token is none of a non-admin's business: as if it did not exist
        if row is None or not (own or actor.may(Permission.MANAGE_USERS)):
            raise NotFound(f"no API token {token_id}")
        if row["revoked_at"] is not None:
            return row
        after = uow.identity.revoke_token(token_id, clock.now())
        record(uow=uow, actor=actor, clock=clock, action="revoke", resource="api_tokens",
               resource_id=str(token_id), before=row, after=after)  # fmt: skip
        uow.commit()
    return after


def list_users(*, uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.MANAGE_USERS)
    with uow:
        return [{k: v for k, v in r.items() if k != "password_hash"} for r in uow.identity.users()]


def list_tokens(*, uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """All tokens for admins; one's own tokens for everyone else. Never the secret."""
    with uow:
        rows = uow.identity.tokens(None if actor.may(Permission.MANAGE_USERS) else actor.user_id)
    return [{k: v for k, v in r.items() if k != "secret_hash"} for r in rows]


def read_audit_log(
    *,
    uow: UnitOfWork,
    actor: Actor,
    limit: int,
    before: int | None = None,
    who: str | None = None,
    resource: str | None = None,
    resource_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    require(actor, Permission.READ_AUDIT_LOG)
    with uow:
        return uow.identity.audit_page(
            limit=limit,
            before=before,
            actor=who,
            resource=resource,
            resource_id=resource_id,
            action=action,
            since=since,
            until=until,
        )
