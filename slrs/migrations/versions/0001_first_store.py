"""The first store: snapshots with their rows, drift and files; outcomes; saved scenarios; the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _snapshot_key() -> sa.Column:
    return sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False, unique=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("scenario", sa.Text, nullable=False),
        sa.Column("artifact_hashes", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("rows_scored", sa.Integer, nullable=False),
        sa.Column("rows_with_issues", sa.Integer, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "snapshot_rows",
        _snapshot_key(),
        sa.Column("row", sa.Integer, primary_key=True),
        sa.Column("borrower_id", sa.Text, nullable=False),
        sa.Column("loan_id", sa.Text, nullable=False),
        sa.Column("segment", sa.Integer),
        sa.Column("risk_score", sa.Float),
        sa.Column("risk_band", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("outstanding", sa.Float),
        sa.Column("expected_net", sa.Float),
    )
    op.create_table(
        "snapshot_drift",
        _snapshot_key(),
        sa.Column("input", sa.String(80), primary_key=True),
        sa.Column("measure", sa.String(20), nullable=False),
        sa.Column("psi", sa.Float),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("out_of_range_share", sa.Float),
        sa.Column("unseen_share", sa.Float),
        sa.Column("missing_share", sa.Float),
        sa.Column("rows", sa.Integer, nullable=False),
    )
    op.create_table(
        "snapshot_files",
        _snapshot_key(),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "outcomes",
        sa.Column("borrower_id", sa.Text, primary_key=True),
        sa.Column("loan_id", sa.Text, primary_key=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_scenarios_name_version"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("data_sha256", sa.String(64), nullable=False),
        sa.Column("artifact_hashes", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_log", "scenarios", "outcomes", "snapshot_files", "snapshot_drift", "snapshot_rows",
                  "snapshots"):
        op.drop_table(table)
