"""Users, tokens, the audit log and idempotency keys on one connection. Never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from inhouse.identity import tables as t

Row = dict[str, Any]


class IdentityRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ------------------------------------------------------------------ users

    def add_user(self, values: Mapping[str, Any]) -> Row:
        result = self.connection.execute(insert(t.users).values(**values).returning(t.users))
        return dict(result.mappings().one())

    def user_by_name(self, username: str) -> Row | None:
        found = (
            self.connection.execute(select(t.users).where(t.users.c.username == username))
            .mappings()
            .first()
        )
        return dict(found) if found else None

    def user_by_id(self, user_id: int) -> Row | None:
        found = (
            self.connection.execute(select(t.users).where(t.users.c.id == user_id))
            .mappings()
            .first()
        )
        return dict(found) if found else None

    def users(self) -> list[Row]:
        query = select(t.users).order_by(t.users.c.id)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def change_user(self, user_id: int, values: Mapping[str, Any]) -> Row:
        result = self.connection.execute(
            update(t.users).where(t.users.c.id == user_id).values(**values).returning(t.users)
        )
        return dict(result.mappings().one())

    # ------------------------------------------------------------------ tokens

    def add_token(self, values: Mapping[str, Any]) -> Row:
        result = self.connection.execute(
            insert(t.api_tokens).values(**values).returning(t.api_tokens)
        )
        return dict(result.mappings().one())

    def token_with_user(self, secret_hash: bytes) -> Row | None:
        query = (
            select(
                t.api_tokens.c.id.label("token_id"),
                t.api_tokens.c.revoked_at,
                t.users.c.id,
                t.users.c.username,
                t.users.c.role,
                t.users.c.person,
                t.users.c.active,
            )
            .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
            .where(t.api_tokens.c.secret_hash == secret_hash)
        )
        found = self.connection.execute(query).mappings().first()
        return dict(found) if found else None

    def token(self, token_id: int) -> Row | None:
        found = (
            self.connection.execute(select(t.api_tokens).where(t.api_tokens.c.id == token_id))
            .mappings()
            .first()
        )
        return dict(found) if found else None

    def tokens(self, user_id: int | None = None) -> list[Row]:
        query = select(t.api_tokens).order_by(t.api_tokens.c.id)
        if user_id is not None:
            query = query.where(t.api_tokens.c.user_id == user_id)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def note_token_use(self, secret_hash: bytes, at: datetime, since: datetime) -> None:
        """Set ``last_used_at`` unless it is at ``since`` or later already."""
        table = t.api_tokens
        self.connection.execute(
            update(table)
            .where(table.c.secret_hash == secret_hash)
            .where(or_(table.c.last_used_at.is_(None), table.c.last_used_at < since))
            .values(last_used_at=at)
        )

    def revoke_token(self, token_id: int, at: datetime) -> Row:
        result = self.connection.execute(
            update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id)
            .values(revoked_at=at)
            .returning(t.api_tokens)
        )
        return dict(result.mappings().one())

    # ------------------------------------------------------------------ audit log

    def append_audit(self, values: Mapping[str, Any]) -> None:
        self.connection.execute(insert(t.audit_log).values(**values))

    def append_audit_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append many entries at once (executemany: an import's changes)."""
        if entries:
            self.connection.execute(insert(t.audit_log), list(entries))

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
        """Newest first; ``before`` is the id cursor of the previous page's last entry."""
        log = t.audit_log
        query = select(log).order_by(log.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(log.c.id < before)
        for column, value in (
            ("actor", actor),
            ("resource", resource),
            ("resource_id", resource_id),
            ("action", action),
        ):
            if value is not None:
                query = query.where(log.c[column] == value)
        if since is not None:
            query = query.where(log.c.at >= since)
        if until is not None:
            query = query.where(log.c.at < until)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def latest_audit_id(self) -> int:
        return int(self.connection.execute(select(func.max(t.audit_log.c.id))).scalar() or 0)

    # ------------------------------------------------------------------ idempotency

    def idempotent_response(self, user_id: int, key: str) -> Row | None:
        table = t.idempotency_keys
        found = (
            self.connection.execute(
                select(table).where(table.c.user_id == user_id, table.c.key == key)
            )
            .mappings()
            .first()
        )
        return dict(found) if found else None

    def remember_response(self, values: Mapping[str, Any]) -> None:
        self.connection.execute(insert(t.idempotency_keys).values(**values))

    def finish_response(self, user_id: int, key: str, status: int, body: Any) -> None:
        table = t.idempotency_keys
        self.connection.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.key == key)
            .values(status=status, body=body)
        )

    def forget_response(self, user_id: int, key: str) -> None:
        table = t.idempotency_keys
        self.connection.execute(delete(table).where(table.c.user_id == user_id, table.c.key == key))
