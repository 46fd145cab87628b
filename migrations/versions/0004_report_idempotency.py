"""Idempotency-Key on report submission: a retried POST stores the report once.

Revision ID: 0004_report_idempotency
Revises: 0003_grid_root_index
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_report_idempotency"
down_revision = "0003_grid_root_index"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("report", sa.Column("idempotency_key", sa.String(128)))
    op.add_column("report", sa.Column("request_hash", sa.String(64)))
    # With the district code, so the constraint survives distributing reports by district (Citus).
    op.execute("CREATE UNIQUE INDEX uq_report_idempotency_key ON report (district_code, idempotency_key) "
               "WHERE idempotency_key IS NOT NULL")


def downgrade():
    op.execute("DROP INDEX uq_report_idempotency_key")
    op.drop_column("report", "request_hash")
    op.drop_column("report", "idempotency_key")
