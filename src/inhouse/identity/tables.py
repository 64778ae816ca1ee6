"""Tables of the identity context: users, API tokens, the audit log, idempotency keys."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from inhouse.db.metadata import metadata
from inhouse.db.types import UTCDateTime

ROLES = ("admin", "finance", "hr", "service_agent", "sales_system", "employee")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("password_hash", String(200)),
    Column("role", String(20), nullable=False),
    Column("person", String(64), ForeignKey("persons.id")),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
    CheckConstraint("role <> 'employee' OR person IS NOT NULL", name="employee_person"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("name", String(150), nullable=False),
    Column("prefix", String(16), nullable=False),
    # SHA-256 of the secret: tokens are long and random, so a fast hash is enough.
    Column("secret_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Append-only: the migration adds triggers that refuse UPDATE and DELETE.
audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(150), nullable=False),
    Column("action", String(40), nullable=False),
    Column("resource", String(40), nullable=False),
    Column("resource_id", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_resource", "resource", "resource_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSON),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
)
