"""Planning drafts: copy-on-write draft versions, the edit log, reports' current grid.

A draft shares the rows of the generation it was opened on until it changes
them (MapIt-style): an edited grid is *ended in the draft* -- the draft's id
goes into the published row's ``ended_in_drafts`` -- and the draft gets its
own row (``draft_id``) for the new state. So a draft costs one row per grid
it changes, not a copy of the district.

``grid_in_version`` gains a 6-argument form that knows this; the 5-argument
form of 0002 keeps its meaning (for a draft: only the rows the draft owns,
i.e. its changes).

Revision ID: 0008_plan
Revises: 0007_events
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0008_plan"
down_revision = "0007_events"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("boundary_version", sa.Column("base_generation", sa.Integer))
    op.add_column("boundary_version", sa.Column("row_version", sa.Integer, nullable=False, server_default="1"))
    op.add_column("boundary_version", sa.Column(
        "author_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="SET NULL",
                                               name="fk_boundary_version_author_id_app_user")))

    op.add_column("grid", sa.Column("ended_in_drafts", postgresql.ARRAY(sa.Integer), nullable=False,
                                    server_default="{}"))
    op.add_column("grid", sa.Column("predecessors", postgresql.ARRAY(sa.String(17)), nullable=False,
                                    server_default="{}"))
    # A code appears once among a draft's own rows (shared rows are checked when they are ended).
    op.execute("CREATE UNIQUE INDEX uq_grid_draft_code ON grid (draft_id, code) WHERE draft_id IS NOT NULL")
    # Publishing and discarding look up the rows a draft ended: few, so a small partial index.
    op.execute("CREATE INDEX ix_grid_ended_in_drafts ON grid USING gin (ended_in_drafts) "
               "WHERE ended_in_drafts <> '{}'")
    # Subtrees are loaded by code prefix (a child's code starts with its parent's).
    op.execute("CREATE INDEX ix_grid_code_prefix ON grid (code text_pattern_ops)")

    op.execute("""
CREATE FUNCTION grid_in_version(row_draft_id integer, row_low integer, row_high integer,
                                row_ended_in_drafts integer[], want_generation integer, want_draft_id integer)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN want_draft_id IS NOT NULL THEN
      row_draft_id = want_draft_id
      OR (row_draft_id IS NULL AND want_generation IS NOT NULL
          AND row_low <= want_generation AND (row_high IS NULL OR row_high >= want_generation)
          AND NOT (row_ended_in_drafts @> ARRAY[want_draft_id]))
    WHEN want_generation IS NULL THEN row_high IS NULL AND row_draft_id IS NULL
    ELSE row_draft_id IS NULL AND row_low <= want_generation
         AND (row_high IS NULL OR row_high >= want_generation)
  END
$$
""")
    op.execute("COMMENT ON FUNCTION grid_in_version(integer, integer, integer, integer[], integer, integer) IS "
               "'True when a grid row is part of the version asked for: a draft (want_draft_id, with "
               "want_generation = the generation it was opened on: its own rows plus the rows of that "
               "generation it has not ended), a published generation by number, or NULLs for the current "
               "published rows'")
    op.execute("COMMENT ON FUNCTION grid_in_version(integer, integer, integer, integer, integer) IS "
               "'The 5-argument form: for a draft only the rows the draft owns (its changes); use the "
               "6-argument form (with ended_in_drafts and the base generation) for the whole draft'")

    op.add_column("report", sa.Column("current_grid_id", sa.Integer, sa.ForeignKey(
        "grid.id", ondelete="RESTRICT", name="fk_report_current_grid_id_grid")))
    op.add_column("report", sa.Column("current_lineage", postgresql.ARRAY(sa.Integer)))
    op.add_column("report", sa.Column("current_dedicated_ids", postgresql.ARRAY(sa.Integer)))
    op.add_column("report", sa.Column("current_generation", sa.Integer))
    op.create_index("ix_report_current_grid_id", "report", ["current_grid_id"])
    op.execute("CREATE INDEX ix_report_current_lineage ON report USING gin (current_lineage) "
               "WHERE current_lineage IS NOT NULL")

    op.create_table(
        "draft_operation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("draft_id", sa.Integer, sa.ForeignKey("boundary_version.id", ondelete="CASCADE",
                                                        name="fk_draft_operation_draft_id_boundary_version"),
                  nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="done"),
        sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("summary", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("before", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("after", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('done', 'undone')", name="ck_draft_operation_state"),
        sa.CheckConstraint("kind IN ('reshape', 'split', 'merge', 'move', 'import')", name="ck_draft_operation_kind"),
        sa.UniqueConstraint("draft_id", "seq", name="uq_draft_operation_draft_id"),
    )


def downgrade():
    op.drop_table("draft_operation")
    op.execute("DROP INDEX ix_report_current_lineage")
    op.drop_index("ix_report_current_grid_id", table_name="report")
    op.drop_column("report", "current_generation")
    op.drop_column("report", "current_dedicated_ids")
    op.drop_column("report", "current_lineage")
    op.drop_column("report", "current_grid_id")
    op.execute("DROP FUNCTION grid_in_version(integer, integer, integer, integer[], integer, integer)")
    op.execute("COMMENT ON FUNCTION grid_in_version(integer, integer, integer, integer, integer) IS "
               "'True when a grid row (draft_id, generation_low, generation_high) is part of the version asked "
               "for: a draft by id, a published generation by number, or NULLs for the current published rows'")
    # Rows that exist only in drafts cannot be expressed without copy-on-write: drafts go with it.
    op.execute("UPDATE grid SET parent_id = NULL WHERE draft_id IS NOT NULL")
    op.execute("DELETE FROM grid WHERE draft_id IS NOT NULL")
    op.execute("DELETE FROM boundary_version WHERE status = 'draft'")
    op.execute("DROP INDEX ix_grid_code_prefix")
    op.execute("DROP INDEX ix_grid_ended_in_drafts")
    op.execute("DROP INDEX uq_grid_draft_code")
    op.drop_column("grid", "predecessors")
    op.drop_column("grid", "ended_in_drafts")
    op.drop_column("boundary_version", "author_id")
    op.drop_column("boundary_version", "row_version")
    op.drop_column("boundary_version", "base_generation")
