"""Tables of the incentives context. Schema changes go through Alembic migrations only.

``point_entries`` is append-only: the migration adds triggers that make the database
refuse UPDATE and DELETE on it (as for ``audit_log``). ``point_accounts`` holds one row
per person with the balance (the sum of the person's entries): it is the row that every
booking for the person locks, and the database refuses a balance below zero.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

from inhouse.db.metadata import metadata
from inhouse.db.types import UTCDateTime

ID = String(64)
AMOUNT = Numeric(20, 4)
ENTRY_ID = BigInteger().with_variant(Integer(), "sqlite")
KINDS = ("points_per_spend", "first_purchase_bonus", "referral_bonus")
ENTRY_KINDS = ("earn", "redeem", "expire", "adjust")

incentive_programmes = Table(
    "incentive_programmes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("scope_kind", String(8), nullable=False, server_default="all"),
    Column("scope_id", ID),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("budget", BigInteger),
    Column("awarded", BigInteger, nullable=False, server_default="0"),
    Column("points_per_unit", Numeric(12, 4)),
    Column("currency", String(3)),
    Column("bonus_points", Integer),
    Column("points_valid_days", Integer),
    CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name="kind"),
    CheckConstraint("scope_kind IN ('entity', 'group', 'all')", name="scope_kind"),
    CheckConstraint(
        "valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from", name="period"
    ),
    CheckConstraint("awarded >= 0 AND (budget IS NULL OR awarded <= budget)", name="budget"),
)

point_accounts = Table(
    "point_accounts",
    metadata,
    Column("person", ID, ForeignKey("persons.id"), primary_key=True),
    Column("balance", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("balance >= 0", name="balance"),
)

point_entries = Table(
    "point_entries",
    metadata,
    Column("id", ENTRY_ID, primary_key=True, autoincrement=True),
    Column("person", ID, ForeignKey("persons.id"), nullable=False),
    Column("programme", ID, ForeignKey("incentive_programmes.id")),
    Column("kind", String(8), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("booked_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("lot", ENTRY_ID, ForeignKey("point_entries.id")),
    Column("reason", String(1000), nullable=False),
    Column("reference", String(200)),
    # one booking per key: an order's award, a lot's expiry, a redemption's request
    Column("booking_key", String(200), unique=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(150), nullable=False),
    CheckConstraint(f"kind IN ({', '.join(repr(k) for k in ENTRY_KINDS)})", name="kind"),
    CheckConstraint(
        "(kind = 'earn' AND points > 0 AND programme IS NOT NULL)"
        " OR (kind IN ('redeem', 'expire') AND points < 0)"
        " OR (kind = 'adjust' AND points <> 0)",
        name="points",
    ),
    CheckConstraint("(kind = 'expire') = (lot IS NOT NULL)", name="lot"),
    Index("ix_point_entries_person", "person", "id"),
    Index("ix_point_entries_programme", "programme"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referred", ID, ForeignKey("persons.id"), primary_key=True),
    Column("referrer", ID, ForeignKey("persons.id"), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("recorded_by", String(150), nullable=False),
    CheckConstraint("referrer <> referred", name="self"),
)

# The purchases points were booked for: the facts of each award, and the record of who
# has bought internally before (a first-purchase bonus is paid once).
incentive_purchases = Table(
    "incentive_purchases",
    metadata,
    Column("order_id", ID, primary_key=True),
    Column("person", ID, ForeignKey("persons.id")),
    Column("seller", ID, nullable=False),
    Column("buyer_entity", ID),
    Column("unit", ID),
    Column("purchased_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", AMOUNT, nullable=False),
    Column("list_amount", AMOUNT, nullable=False),
    Column("internal", Boolean, nullable=False),
    Column("relation", String(20), nullable=False),
    Column("group_id", ID),
    Index("ix_incentive_purchases_person", "person"),
    Index("ix_incentive_purchases_purchased_on", "purchased_on"),
)

# Returns of purchases booked here: what each took back is in the ledger (booking key
# ``return:<id>:<programme>``); the amounts add up to at most the purchase's amount.
incentive_returns = Table(
    "incentive_returns",
    metadata,
    Column("return_id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("incentive_purchases.order_id"), nullable=False),
    Column("returned_on", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", AMOUNT, nullable=False),
    CheckConstraint("amount > 0", name="amount"),
    Index("ix_incentive_returns_order_id", "order_id"),
)
