"""Tables of the care context. Schema changes go through Alembic migrations only.

A ticket row keeps its SLA figures (computed from its history at every write, and
again when its policy or calendar changes), so that reports only aggregate.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false

from inhouse.db.metadata import metadata
from inhouse.db.types import UTCDateTime

ID = String(64)

care_calendars = Table(
    "care_calendars",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("tz", String(64), nullable=False),
    Column("hours", JSON, nullable=False),  # {"mon": [["09:00", "17:00"]], …}
    Column("holidays", JSON, nullable=False),  # ["2026-04-06", …]
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("position", Integer, nullable=False),
    Column("calendar", ID, ForeignKey("care_calendars.id"), nullable=False),
    Column("segments", JSON, nullable=False),
    Column("priorities", JSON, nullable=False),
    Column("first_response", Integer, nullable=False),
    Column("resolution", Integer, nullable=False),
    Column("next_response", Integer),
    Column("paused_statuses", JSON, nullable=False),
    UniqueConstraint("position"),
    CheckConstraint("first_response > 0 AND resolution > 0", name="targets"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("requester_kind", String(8), nullable=False),
    Column("requester", String(200), nullable=False),
    Column("serving_entity", ID, ForeignKey("entities.id"), nullable=False),
    Column("relation", String(16), nullable=False),
    Column("internal", Boolean, nullable=False),
    Column("relation_evidence", JSON, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("priority", String(8), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("policy", ID, ForeignKey("sla_policies.id")),
    Column("policy_pinned", Boolean, nullable=False, server_default=false()),
    Column("policy_evidence", JSON, nullable=False),
    # SLA figures (business minutes) as of the ticket's last event
    Column("first_response_at", UTCDateTime),
    Column("first_response_minutes", Integer),
    Column("first_response_due", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("resolution_minutes", Integer),
    Column("resolution_due", UTCDateTime),
    Column("next_response_minutes", Integer),
    Column("breached", Boolean),
    CheckConstraint("requester_kind IN ('person', 'entity', 'account')", name="requester_kind"),
    CheckConstraint(
        "status IN ('new', 'open', 'pending_customer', 'pending_reminder', 'resolved', 'closed')",
        name="status",
    ),
    Index("ix_tickets_serving_created", "serving_entity", "created_at"),
    Index("ix_tickets_created_at", "created_at"),
    Index("ix_tickets_requester", "requester"),
    Index("ix_tickets_policy", "policy"),
)

# Status changes and articles, in one stream per ticket.
ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket", ID, ForeignKey("tickets.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("status", String(16)),
    Column("author", String(10)),
    Column("public", Boolean),
    Column("body", Text),
    Column("written_by", String(200)),
    CheckConstraint("kind IN ('status', 'article')", name="kind"),
    CheckConstraint(
        "(kind = 'status' AND status IS NOT NULL) OR "
        "(kind = 'article' AND author IS NOT NULL AND public IS NOT NULL)",
        name="shape",
    ),
    Index("ix_ticket_events_ticket_at", "ticket", "at"),
)

surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(4), nullable=False),
    Column("ticket", ID, ForeignKey("tickets.id")),
    Column("serving_entity", ID, ForeignKey("entities.id"), nullable=False),
    Column("requester", String(200), nullable=False),
    Column("relation", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime),
    Column("score", Integer),
    Column("comment", Text),
    CheckConstraint("kind IN ('csat', 'nps')", name="kind"),
    CheckConstraint("score IS NULL OR (score >= 0 AND score <= 10)", name="score"),
    Index("ix_surveys_ticket", "ticket"),
    Index("ix_surveys_serving_entity", "serving_entity"),
    Index("ix_surveys_requester", "requester"),
)
