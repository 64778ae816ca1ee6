"""Tables of the groups context. Schema changes go through Alembic migrations only."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from inhouse.db.metadata import metadata

ID = String(64)

# Every id names exactly one entity, unit or person: this table keeps the namespace.
parties = Table(
    "parties",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(8), nullable=False),
    CheckConstraint("kind IN ('entity', 'unit', 'person')", name="kind"),
)

entities = Table(
    "entities",
    metadata,
    Column("id", ID, ForeignKey("parties.id"), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("country", String(2)),
    Column("currency", String(3)),
    Column("lei", String(20)),
    Column("vat_id", String(32)),
    Column("line_of_business", String(200)),
)

stakes = Table(
    "stakes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("holder", ID, ForeignKey("parties.id"), nullable=False),
    Column("entity", ID, ForeignKey("entities.id"), nullable=False),
    # Shares keep their dataset notation ("60", "(50,75]") so bands survive exactly.
    Column("voting", String(40), nullable=False),
    Column("equity", String(40), nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("control", String(3), nullable=False, server_default=""),
    CheckConstraint("control IN ('', 'yes', 'no')", name="control"),
    CheckConstraint(
        "valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from", name="period"
    ),
    Index("ix_stakes_entity", "entity"),
    Index("ix_stakes_holder", "holder"),
)

units = Table(
    "units",
    metadata,
    Column("id", ID, ForeignKey("parties.id"), primary_key=True),
    Column("entity", ID, ForeignKey("entities.id"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("parent", ID, ForeignKey("units.id")),
    Column("cost_centre", String(64)),
    Index("ix_units_entity", "entity"),
)

persons = Table(
    "persons",
    metadata,
    Column("id", ID, ForeignKey("parties.id"), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("email", String(320)),
    Column("employee_no", String(64)),
)

employments = Table(
    "employments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person", ID, ForeignKey("persons.id"), nullable=False),
    Column("entity", ID, ForeignKey("entities.id"), nullable=False),
    Column("unit", ID, ForeignKey("units.id")),
    Column("kind", String(8), nullable=False, server_default="employee"),
    Column("valid_from", Date),
    Column("valid_to", Date),
    CheckConstraint("kind IN ('employee', 'retiree')", name="kind"),
    CheckConstraint(
        "valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from", name="period"
    ),
    Index("ix_employments_person", "person"),
    Index("ix_employments_entity", "entity"),
)
