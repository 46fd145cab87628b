"""Index the current root grids (districts) for the out-of-coverage test in assignment.

Revision ID: 0003_grid_root_index
Revises: 0002_grid_in_version
Create Date: 2026-11-21
"""
from alembic import op

revision = "0003_grid_root_index"
down_revision = "0002_grid_in_version"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX ix_grid_current_root_geom ON grid USING gist (geom) "
               "WHERE generation_high IS NULL AND draft_id IS NULL AND kind = 'regular' AND parent_id IS NULL")


def downgrade():
    op.execute("DROP INDEX ix_grid_current_root_geom")
