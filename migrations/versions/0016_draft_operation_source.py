"""What an edit was made from, where its logged params cannot make it again.

``draft_operation.source``: for an import, the features read from the file
(as app.plan.family.node_to_json), so a rebase (app.plan.rebase) can replay
the import on the newly published version instead of asking for the file
again. Kept out of ``params``, which the edit log page and the audit entries
show: a level of a district is thousands of polygons.

Revision ID: 0016_draft_operation_source
Revises: 0015_report_media
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_draft_operation_source"
down_revision = "0015_report_media"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("draft_operation", sa.Column("source", postgresql.JSONB()))


def downgrade():
    op.drop_column("draft_operation", "source")
