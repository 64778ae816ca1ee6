"""Tables of the benefits context. Schema changes go through Alembic migrations only."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table

from inhouse.db.metadata import metadata

# US IRC § 132(c): the gross profit percentage of an entity's line of business in a year.
gross_profit_percentages = Table(
    "gross_profit_percentages",
    metadata,
    Column("entity", String(64), ForeignKey("entities.id"), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("percent", Numeric(9, 4), nullable=False),
    CheckConstraint("percent >= 0 AND percent <= 100", name="percent"),
)
