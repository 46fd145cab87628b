"""An open event whose point a publication left outside its district's grids is flagged (issue 19).

district_code is the distribution column (Citus): publishing a district's new boundaries cannot move its
events to another district by an UPDATE, and moving them unasked (交办 is the city desk's decision, an
event may be in hand) would surprise their dispatchers. So publishing flags them instead:
``outside_district`` (its district's current grids no longer cover the point: it has no current grid)
and ``point_district`` (the district whose current grids cover the point, when one does, also set for
an event of another district that a district's new grids now cover, e.g. one filed outside every
district). The desks show the flag; a dispatcher hands the event over (交办/转办), which clears it.

Revision ID: 0036_report_outside_district
Revises: 0035_citus
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0036_report_outside_district"
down_revision = "0035_citus"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("report", sa.Column("outside_district", sa.Boolean(), nullable=False, server_default="false"))
    op.add_column("report", sa.Column("point_district", sa.String(6), nullable=True))
    op.create_index("ix_report_outside_district", "report", ["district_code", "created_at"],
                    postgresql_where=sa.text("outside_district OR point_district IS NOT NULL"))


def downgrade():
    op.drop_index("ix_report_outside_district", table_name="report")
    op.drop_column("report", "point_district")
    op.drop_column("report", "outside_district")
