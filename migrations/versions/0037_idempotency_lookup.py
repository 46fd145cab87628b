"""The idempotency key's unique index leads with the caller's scope and key (issue 16).

Since 0020 the index was (district_code, idempotency_scope, idempotency_key): district_code first, as
Citus needs the distribution column in a unique index (0032). But an intake probes for a retried key
before it knows the report's district (the district of the point's grid), by scope and key alone, and
PostgreSQL 15 has no skip scan: each probe read the whole index, one entry per report ever filed with a
key, so every intake grew slower with the table. The same columns in another order keep the uniqueness
(and Citus's rule: the distribution column is in the index, not necessarily first) and serve the probe.

Revision ID: 0037_idempotency_lookup
Revises: 0036_report_outside_district
Create Date: 2026-12-07
"""
from alembic import op

revision = "0037_idempotency_lookup"
down_revision = "0036_report_outside_district"
branch_labels = None
depends_on = None


def _index(columns: str) -> None:
    op.execute("DROP INDEX uq_report_idempotency_key")
    op.execute(f"CREATE UNIQUE INDEX uq_report_idempotency_key ON report ({columns}) "
               "WHERE idempotency_key IS NOT NULL")


def upgrade():
    _index("idempotency_scope, idempotency_key, district_code")


def downgrade():
    _index("district_code, idempotency_scope, idempotency_key")
