"""Snapshot sums per action and risk band, so a report no longer groups every stored borrower again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_mix",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("action", sa.String(100), primary_key=True),
        sa.Column("risk_band", sa.String(100), primary_key=True),
        sa.Column("accounts", sa.Integer, nullable=False),
        sa.Column("outstanding", sa.Float),
        sa.Column("expected_net", sa.Float),
    )
    # The snapshots stored before this revision get their sums from their own rows.
    op.execute("INSERT INTO snapshot_mix (snapshot_id, action, risk_band, accounts, outstanding, expected_net) "
               "SELECT snapshot_id, action, risk_band, COUNT(*), SUM(outstanding), SUM(expected_net) "
               "FROM snapshot_rows GROUP BY snapshot_id, action, risk_band")


def downgrade() -> None:
    op.drop_table("snapshot_mix")
