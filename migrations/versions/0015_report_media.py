"""Nothing a reporter sends is lost: photo links and contact fields on reports.

- ``report.media_urls``: the links to the reporter's photos (随手拍 / 郑好拍,
  Open311 ``media_url``), at most 9, http(s) only (app.reports.validation).
  The photos themselves stay where the reporter's app put them.
- ``report.reporter_email`` / ``report.reporter_device``: how to reach the
  reporter again (Open311 ``email`` / ``device_id``); personal data like the
  name and phone, masked for roles that do not call back.
- ``gridmap_mask_email(text)``: one masking rule beside 0006's name and phone
  (``zhang@example.com`` → ``z***@example.com``).

Revision ID: 0015_report_media
Revises: 0014_household_view
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_report_media"
down_revision = "0014_household_view"
branch_labels = None
depends_on = None


def upgrade():
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column("report", sa.Column("media_urls", postgresql.ARRAY(sa.Text()), nullable=False,
                                      server_default="{}"))
    op.add_column("report", sa.Column("reporter_email", sa.Text()))
    op.add_column("report", sa.Column("reporter_device", sa.Text()))
    # The domain stays (it tells a dispatcher which provider); the local part keeps its first character.
    op.execute(r"""
        CREATE FUNCTION gridmap_mask_email(email text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE
            WHEN email IS NULL OR btrim(email) = '' THEN email
            WHEN btrim(email) ~ '^[^@]+@[^@]*$' THEN
              left(btrim(email), 1) || '***' || substring(btrim(email) FROM '@[^@]*$')
            ELSE repeat('*', length(email))
          END $$""")


def downgrade():
    op.execute("DROP FUNCTION gridmap_mask_email(text)")
    op.drop_column("report", "reporter_device")
    op.drop_column("report", "reporter_email")
    op.drop_column("report", "media_urls")
