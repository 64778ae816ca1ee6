"""Tables of the orders context. Schema changes go through Alembic migrations only.

What a buyer has used of a programme's annual cap and quantity limits is not kept in a
table of its own: it is the sum of the buyer's order lines under the programme in the
year less what returns gave back, so it can never disagree with the orders.
``order_ledgers`` holds one row per buyer and calendar year that every order and return
of that buyer and year updates first: the row lock serialises them (rule 10).

``orders.placed_by`` is the user (its id) who placed an order through the API: a sales
system reads and returns only the orders it placed. Imported orders have none.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Table,
)

from inhouse.db.metadata import metadata
from inhouse.db.types import UTCDateTime

ID = String(64)
AMOUNT = Numeric(20, 4)
QUANTITY = Numeric(20, 4)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("seller", ID, nullable=False),
    Column("buyer", ID, nullable=False),
    Column("on", Date, nullable=False),
    Column("relation", String(24), nullable=False),
    Column("seller_entity", ID, nullable=False),
    Column("buyer_entity", ID),
    Column("group", ID),
    Column("internal", Boolean, nullable=False),
    Column("uncertain", Boolean, nullable=False),
    Column("classification", JSON, nullable=False),  # the evidence of the classification
    Column("evidence", JSON, nullable=False),  # the quote's words about the whole order
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("placed_by", Integer, ForeignKey("users.id")),
    CheckConstraint("source IN ('api', 'import')", name="source"),
    Index("ix_orders_buyer_on", "buyer", "on"),
    Index("ix_orders_placed_by_on", "placed_by", "on"),
    Index("ix_orders_seller_entity_on", "seller_entity", "on"),
    Index("ix_orders_on", "on"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", ID, ForeignKey("orders.id"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("product", ID, nullable=False),
    Column("category", String(100)),
    Column("kind", String(8), nullable=False),
    Column("for_employees_only", Boolean, nullable=False),
    Column("quantity", QUANTITY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("list_price", AMOUNT, nullable=False),
    Column("list_amount", AMOUNT, nullable=False),
    Column("unit_price", AMOUNT, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("discount", AMOUNT, nullable=False),
    Column("unit_cost", AMOUNT),
    Column("market_price", AMOUNT),
    Column("programme", ID),
    Column("programme_kind", String(24)),
    Column("base", String(16), nullable=False),
    Column("cap_left", AMOUNT),
    Column("evidence", JSON, nullable=False),
    Column("not_applied", JSON, nullable=False),
    CheckConstraint("quantity > 0", name="quantity"),
    Index("ix_order_lines_programme", "programme"),
)

order_returns = Table(
    "order_returns",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("on", Date, nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    CheckConstraint("source IN ('api', 'import')", name="source"),
    Index("ix_order_returns_order_id", "order_id"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", ID, ForeignKey("order_returns.id"), primary_key=True),
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("order_id", ID, nullable=False),
    Column("quantity", QUANTITY, nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("list_amount", AMOUNT, nullable=False),
    Column("discount", AMOUNT, nullable=False),
    Column("quantity_given_back", QUANTITY, nullable=False),
    Column("evidence", JSON, nullable=False),
    ForeignKeyConstraint(["order_id", "line"], ["order_lines.order_id", "order_lines.number"]),
    CheckConstraint("quantity > 0", name="quantity"),
    Index("ix_return_lines_order_id", "order_id"),
)

order_ledgers = Table(
    "order_ledgers",
    metadata,
    Column("buyer", ID, primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
)
