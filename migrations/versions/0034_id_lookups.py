"""Rows found by their own id, ticket or token again have an index of their own (issue 19).

Migration 0032 put district_code first in every primary key and unique index of the large tables (Citus
needs the distribution column in them). A query that names only the id, the ticket or a token (an
event opened by its ticket, a report loaded by the ORM, a resident's status link, a photo's link) can
no longer use those indexes: PostgreSQL 15 has no skip scan, so it read the whole index or the table.
These plain indexes serve those queries; the ids and tickets stay unique by their sequence and
generator, the composite unique indexes still enforce it per district.

Revision ID: 0034_id_lookups
Revises: 0033_district_transfer
Create Date: 2026-12-07
"""
from alembic import op

revision = "0034_id_lookups"
down_revision = "0033_district_transfer"
branch_labels = None
depends_on = None

#: (index, table, columns, predicate)
INDEXES = (
    ("ix_report_id", "report", "id", None),
    ("ix_report_ticket", "report", "ticket", None),
    ("ix_report_status_token_hash", "report", "status_token_hash", "status_token_hash IS NOT NULL"),
    ("ix_report_photo_token", "report_photo", "token", None),
    ("ix_standard_address_id", "standard_address", "id", None),
    ("ix_patrol_session_id", "patrol_session", "id", None),
    ("ix_job_id", "job", "id", None),
)


def upgrade():
    for name, table, columns, where in INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})" + (f" WHERE {where}" if where else ""))


def downgrade():
    for name, *_ in reversed(INDEXES):
        op.execute(f"DROP INDEX {name}")
