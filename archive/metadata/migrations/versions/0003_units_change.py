"""units change: a unit stands between validity dates and names the successor that took
over its work when it ended (the 2025 mergers)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every unit of an earlier release stands, open-ended: the columns start empty.
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("successor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_units_successor_id_units"), "units", ["successor_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_units_successor_id_units"), type_="foreignkey")
        batch_op.drop_column("successor_id")
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
