"""surveys by requester: an employee's page lists the surveys waiting for them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_surveys_requester", "surveys", ["requester"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_surveys_requester", table_name="surveys")
