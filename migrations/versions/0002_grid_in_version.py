"""grid_in_version(): the one definition of "this grid row belongs to that version".

Revision ID: 0002_grid_in_version
Revises: 0001_core
Create Date: 2026-11-21
"""
from alembic import op

revision = "0002_grid_in_version"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    # A plain SQL expression function: PostgreSQL inlines it, and with the
    # parameters bound to constants folds the CASE, so queries for the
    # current version still match the partial indexes on current rows.
    op.execute("""
CREATE FUNCTION grid_in_version(row_draft_id integer, row_low integer, row_high integer,
                                want_generation integer, want_draft_id integer)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN want_draft_id IS NOT NULL THEN row_draft_id = want_draft_id
    WHEN want_generation IS NULL THEN row_high IS NULL AND row_draft_id IS NULL
    ELSE row_draft_id IS NULL AND row_low <= want_generation
         AND (row_high IS NULL OR row_high >= want_generation)
  END
$$
""")
    op.execute("COMMENT ON FUNCTION grid_in_version(integer, integer, integer, integer, integer) IS "
               "'True when a grid row (draft_id, generation_low, generation_high) is part of the version asked "
               "for: a draft by id, a published generation by number, or NULLs for the current published rows'")


def downgrade():
    op.execute("DROP FUNCTION grid_in_version(integer, integer, integer, integer, integer)")
