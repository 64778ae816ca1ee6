"""Tables of the pricing context. Schema changes go through Alembic migrations only."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
)
from sqlalchemy.sql.expression import false

from inhouse.db.metadata import metadata

ID = String(64)
AMOUNT = Numeric(20, 4)
PCT = Numeric(9, 4)

products = Table(
    "products",
    metadata,
    Column("id", ID, primary_key=True),
    Column("seller", ID, ForeignKey("entities.id"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("kind", String(8), nullable=False, server_default="goods"),
    Column("category", String(100)),
    Column("currency", String(3), nullable=False),
    Column("for_employees_only", Boolean, nullable=False, server_default=false()),
    CheckConstraint("kind IN ('goods', 'service')", name="kind"),
    Index("ix_products_seller", "seller"),
)

# Dated, half-open: valid_from ≤ d < valid_to; at most one price of a product on a day.
product_prices = Table(
    "product_prices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("product", ID, ForeignKey("products.id"), nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("list_price", AMOUNT, nullable=False),
    Column("unit_cost", AMOUNT),
    CheckConstraint(
        "valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from", name="period"
    ),
    Index("ix_product_prices_product", "product"),
)

programmes = Table(
    "programmes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("scope_kind", String(8), nullable=False, server_default="all"),
    Column("scope_id", ID),
    Column("categories_included", JSON, nullable=False),
    Column("categories_excluded", JSON, nullable=False),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("discount_pct", PCT),
    Column("markup_pct", PCT),
    Column("margin_pct", PCT),
    Column("method", String(16)),
    Column("include_retirees", Boolean, nullable=False, server_default=false()),
    Column("waiting_days", Integer, nullable=False, server_default="0"),
    Column("annual_cap", AMOUNT),
    Column("annual_cap_currency", String(3)),
    Column("quantity_limits", JSON, nullable=False),
    Column("comparables", JSON, nullable=False),
    CheckConstraint(
        "kind IN ('staff_discount', 'group_staff_discount', 'department_charge', 'transfer_price')",
        name="kind",
    ),
    CheckConstraint("scope_kind IN ('entity', 'group', 'all')", name="scope_kind"),
    CheckConstraint(
        "valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from", name="period"
    ),
    CheckConstraint(
        "(annual_cap IS NULL) = (annual_cap_currency IS NULL)", name="annual_cap_currency"
    ),
)
