"""Residents follow their report by an unguessable link; photos taken in the browser are stored.

- ``report.status_token_hash``: the SHA-256 of the random token in a resident's status link
  (``/report/<token>``, app.resident). The report's ticket number (GM + date + sequence) is
  guessable, so it never opens the status page by itself; only the hash is kept, like API
  tokens, so the table alone does not give the links away.
- ``report_photo``: photos sent from the worker's phone and the residents' page (the camera
  through the browser). A report or a handling step links to them by URL
  (``/api/v1/photos/<token>``) in ``report.media_urls`` or its history details, as it links to
  photos kept elsewhere. One row per distinct picture in a district (``sha256``): a phone that
  sends a photo again after a lost answer gets the same link back.

Revision ID: 0025_resident_ticket
Revises: 0020_auth_sessions
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op

revision = "0025_resident_ticket"
down_revision = "0020_auth_sessions"
branch_labels = None
depends_on = None

PHOTO_TYPES = "content_type IN ('image/jpeg', 'image/png', 'image/webp')"


def upgrade():
    op.add_column("report", sa.Column("status_token_hash", sa.String(64)))
    op.create_index("uq_report_status_token_hash", "report", ["status_token_hash"], unique=True,
                    postgresql_where=sa.text("status_token_hash IS NOT NULL"))
    op.create_table(
        "report_photo",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("app_user.id", ondelete="SET NULL",
                                                            name="fk_report_photo_uploaded_by_app_user")),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_report_photo"),
        sa.UniqueConstraint("token", name="uq_report_photo_token"),
        sa.UniqueConstraint("district_code", "sha256", name="uq_report_photo_district_code"),
        sa.CheckConstraint(PHOTO_TYPES, name="ck_report_photo_content_type"),
        sa.CheckConstraint("size > 0 AND size = octet_length(data)", name="ck_report_photo_size"),
    )
    # JPEG, PNG and WebP are compressed already: store them out of line without trying again.
    op.execute("ALTER TABLE report_photo ALTER COLUMN data SET STORAGE EXTERNAL")
    op.create_index("ix_report_photo_uploaded_at", "report_photo", ["uploaded_at"], postgresql_using="brin")


def downgrade():
    op.drop_table("report_photo")
    op.drop_index("uq_report_status_token_hash", table_name="report")
    op.drop_column("report", "status_token_hash")
