"""A report keeps the standard address (标准地址) it was geocoded to on intake.

- ``report.address_id``: the standard address whose point a report took when it
  came with an address and no point and the library matched it confidently
  (app.addresses.intake). NULL for reports sent with a point, reports that wait
  for a person to place them (a click is not a library match) and reports
  placed by an external geocoder. ``ON DELETE SET NULL``: deleting an address
  from the library leaves its reports in place, only the link goes.
- ``report.address_confidence``: how sure that match was (0–1), as the
  intake's answer reported it. Kept when the address is deleted later: it
  records the match on intake.

Both columns are added empty: older reports' matches were never stored and
are not guessed now (the library may have changed since).

Revision ID: 0017_report_address
Revises: 0016_draft_operation_source
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_report_address"
down_revision = "0016_draft_operation_source"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: PostgreSQL adds the columns without rewriting the table.
    op.add_column("report", sa.Column("address_id", sa.BigInteger()))
    op.add_column("report", sa.Column("address_confidence", sa.Numeric(5, 4)))
    op.create_foreign_key("fk_report_address_id_standard_address", "report", "standard_address",
                          ["address_id"], ["id"], ondelete="SET NULL")
    op.create_check_constraint("ck_report_address_confidence", "report",
                               "address_confidence IS NULL OR address_confidence BETWEEN 0 AND 1")
    # Partial: most reports come with a point and no address id. The index serves the
    # FK's ON DELETE (the library is re-imported and pruned) and "reports at this address".
    op.create_index("ix_report_address_id", "report", ["address_id"],
                    postgresql_where=sa.text("address_id IS NOT NULL"))


def downgrade():
    op.drop_index("ix_report_address_id", table_name="report")
    op.drop_constraint("ck_report_address_confidence", "report", type_="check")
    op.drop_constraint("fk_report_address_id_standard_address", "report", type_="foreignkey")
    op.drop_column("report", "address_confidence")
    op.drop_column("report", "address_id")
