"""An in-memory unit of work for service tests without a database.

:class:`FakeUnitOfWork` behaves like :class:`inhouse.db.uow.UnitOfWork`: entering it
opens a "transaction" (a private copy of the stored rows), ``commit()`` makes the copy
the stored state, and leaving without a commit throws the copy away. So a test can
check that a rejected act left nothing behind by looking at :class:`FakeStore`.

The fake repositories subclass the real ones so that mypy checks their signatures
against the real methods; they override every method the services call and never
touch a connection. A unique key that the database would refuse (a username, a
token hash, an idempotency key) raises :class:`UniqueViolation`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from inhouse.db.uow import UnitOfWork
from inhouse.groups.repository import GroupsRepository
from inhouse.identity.repository import IdentityRepository

Row = dict[str, Any]


class UniqueViolation(Exception):
    """What the database's unique constraint would say."""


@dataclass
class FakeStore:
    """The committed rows, as the database would hold them."""

    parties: dict[str, str] = field(default_factory=dict)  # id -> entity, unit or person
    users: dict[int, Row] = field(default_factory=dict)
    api_tokens: dict[int, Row] = field(default_factory=dict)
    audit_log: list[Row] = field(default_factory=list)
    idempotency_keys: list[Row] = field(default_factory=list)
    commits: int = 0

    def copy(self) -> FakeStore:
        return copy.deepcopy(self)


class FakeGroupsRepository(GroupsRepository):
    """Only what the identity services ask of the groups context: the kind of a party."""

    def __init__(self, store: FakeStore) -> None:  # no connection
        self.store = store

    def party_kind(self, party: str) -> str | None:
        return self.store.parties.get(party)

    def party_kinds(self, parties: Iterable[str]) -> dict[str, str]:
        return {p: self.store.parties[p] for p in set(parties) if p in self.store.parties}


class FakeIdentityRepository(IdentityRepository):
    def __init__(self, store: FakeStore) -> None:  # no connection
        self.store = store

    # ------------------------------------------------------------------ users

    def add_user(self, values: Mapping[str, Any]) -> Row:
        if any(u["username"] == values["username"] for u in self.store.users.values()):
            raise UniqueViolation(f"users.username {values['username']}")
        row: Row = {"id": max(self.store.users, default=0) + 1, "password_hash": None,
                    "person": None, "active": True, **values}  # fmt: skip
        self.store.users[row["id"]] = row
        return dict(row)

    def user_by_name(self, username: str) -> Row | None:
        found = [u for u in self.store.users.values() if u["username"] == username]
        return dict(found[0]) if found else None

    def user_by_id(self, user_id: int) -> Row | None:
        found = self.store.users.get(user_id)
        return dict(found) if found else None

    def users(self) -> list[Row]:
        return [dict(self.store.users[k]) for k in sorted(self.store.users)]

    def change_user(self, user_id: int, values: Mapping[str, Any]) -> Row:
        self.store.users[user_id].update(values)
        return dict(self.store.users[user_id])

    # ------------------------------------------------------------------ tokens

    def add_token(self, values: Mapping[str, Any]) -> Row:
        if any(t["secret_hash"] == values["secret_hash"] for t in self.store.api_tokens.values()):
            raise UniqueViolation("api_tokens.secret_hash")
        row: Row = {"id": max(self.store.api_tokens, default=0) + 1, "last_used_at": None,
                    "revoked_at": None, **values}  # fmt: skip
        self.store.api_tokens[row["id"]] = row
        return dict(row)

    def token_with_user(self, secret_hash: bytes) -> Row | None:
        for token in self.store.api_tokens.values():
            if token["secret_hash"] == secret_hash:
                user = self.store.users[token["user_id"]]
                return {"token_id": token["id"], "revoked_at": token["revoked_at"],
                        **{k: user[k] for k in ("id", "username", "role", "person", "active")}}  # fmt: skip
        return None

    def token(self, token_id: int) -> Row | None:
        found = self.store.api_tokens.get(token_id)
        return dict(found) if found else None

    def tokens(self, user_id: int | None = None) -> list[Row]:
        return [
            dict(self.store.api_tokens[k])
            for k in sorted(self.store.api_tokens)
            if user_id is None or self.store.api_tokens[k]["user_id"] == user_id
        ]

    def revoke_token(self, token_id: int, at: datetime) -> Row:
        self.store.api_tokens[token_id]["revoked_at"] = at
        return dict(self.store.api_tokens[token_id])

    # ------------------------------------------------------------------ audit log

    def append_audit(self, values: Mapping[str, Any]) -> None:
        self.store.audit_log.append({"id": len(self.store.audit_log) + 1, **values})

    def append_audit_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        for values in entries:
            self.append_audit(values)

    def audit_page(
        self,
        *,
        limit: int,
        before: int | None = None,
        actor: str | None = None,
        resource: str | None = None,
        resource_id: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Row]:
        wanted = {"actor": actor, "resource": resource, "resource_id": resource_id,
                  "action": action}  # fmt: skip
        rows = [
            dict(r)
            for r in reversed(self.store.audit_log)
            if (before is None or r["id"] < before)
            and all(v is None or r[k] == v for k, v in wanted.items())
            and (since is None or r["at"] >= since)
            and (until is None or r["at"] < until)
        ]
        return rows[:limit]

    def latest_audit_id(self) -> int:
        return len(self.store.audit_log)

    # ------------------------------------------------------------------ idempotency

    def idempotent_response(self, user_id: int, key: str) -> Row | None:
        for row in self.store.idempotency_keys:
            if row["user_id"] == user_id and row["key"] == key:
                return dict(row)
        return None

    def remember_response(self, values: Mapping[str, Any]) -> None:
        if self.idempotent_response(values["user_id"], values["key"]) is not None:
            raise UniqueViolation("idempotency_keys (user_id, key)")
        self.store.idempotency_keys.append(dict(values))


class FakeUnitOfWork(UnitOfWork):
    """``with uow: …; uow.commit()`` on a :class:`FakeStore`; anything else rolls back."""

    groups: FakeGroupsRepository
    identity: FakeIdentityRepository

    def __init__(self, store: FakeStore | None = None) -> None:  # no engine
        self.store = store if store is not None else FakeStore()
        self._working: FakeStore | None = None
        self._committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self._working = self.store.copy()
        self.groups = FakeGroupsRepository(self._working)
        self.identity = FakeIdentityRepository(self._working)
        self._committed = False
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._working = None

    def commit(self) -> None:
        if self._working is None:
            raise RuntimeError("commit outside of 'with uow:'")
        for name in ("parties", "users", "api_tokens", "audit_log", "idempotency_keys"):
            setattr(self.store, name, copy.deepcopy(getattr(self._working, name)))
        self.store.commits += 1
        self._committed = True

    def rollback(self) -> None:
        if self._working is not None:
            self._working = self.store.copy()
            self.groups = FakeGroupsRepository(self._working)
            self.identity = FakeIdentityRepository(self._working)
