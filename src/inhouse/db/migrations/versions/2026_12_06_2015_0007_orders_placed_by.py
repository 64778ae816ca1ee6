"""orders placed by: the user who placed an order, so a sales system reads only its own

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 20:15:00

Orders placed through the API before this revision get the user whose username they
were created by; imported orders (and any whose user is unknown) keep none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_placed_by_users"), "users", ["placed_by"], ["id"]
        )
        batch_op.create_index("ix_orders_placed_by_on", ["placed_by", "on"], unique=False)
    op.execute(
        "UPDATE orders SET placed_by = "
        "(SELECT users.id FROM users WHERE users.username = orders.created_by) "
        "WHERE source = 'api'"
    )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_placed_by_on")
        batch_op.drop_constraint(batch_op.f("fk_orders_placed_by_users"), type_="foreignkey")
        batch_op.drop_column("placed_by")
