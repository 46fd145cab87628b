"""Guardrails for the planner's editor: allowed exclaves, scheduled publication, kept validation.

``grid.exclave``: the planner allowed this regular grid to lie in separate
pieces (an enclave of one community inside another, a school campus across a
road). Edits that would leave any other grid of a contiguous level in pieces
are refused (``not_contiguous``); validation lists the allowed ones. The flag
travels with the row like its name (copy-on-write, publish). ``grid_current``
is recreated so that its ``SELECT *`` holds the new column.

``boundary_version.status`` may be ``'scheduled'``: a validated draft that
becomes the published version at 00:00 Beijing time on its effective date
(``flask plan publish-due`` from cron, and a check on requests so it is never
late). Until then its rows stay draft rows and it cannot be edited;
``scheduled_at``/``scheduled_by`` say who scheduled it and when;
``schedule_error`` why a due publication failed (the version is a draft again).

``boundary_version.validation``: the last validation of a draft with the
default thresholds (issues without translated text) and the ``row_version``
it is for, so that after an edit only the touched grids and their parents are
checked again (app.plan.checks).

``draft_operation.kind`` may be ``'exclave'`` (allowing or withdrawing it is
an edit: logged, undone, redone like the others).

Revision ID: 0026_plan_guardrails
Revises: 0021_free_text_masking
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0026_plan_guardrails"
down_revision = "0021_free_text_masking"
branch_labels = None
depends_on = None

KINDS_NEW = "kind IN ('reshape', 'split', 'merge', 'move', 'import', 'move_buildings', 'exclave')"
KINDS_OLD = "kind IN ('reshape', 'split', 'merge', 'move', 'import', 'move_buildings')"
STATUS_NEW = "status IN ('draft', 'scheduled', 'published', 'retired')"
STATUS_OLD = "status IN ('draft', 'published', 'retired')"
GENERATION_NEW = "(status IN ('draft', 'scheduled')) = (generation IS NULL)"
GENERATION_OLD = "(status = 'draft') = (generation IS NULL)"
VIEW_COMMENT = ("COMMENT ON VIEW grid_current IS "
                "'The current published grid rows (the published generation: no end generation, not a "
                "draft''s own row); the one definition of \"current grid\". Merged into the queries that "
                "name it, so the partial indexes on current rows still match. Recreate it (CREATE OR "
                "REPLACE VIEW) when grid gains a column'")


def _grid_current(replace: bool) -> None:
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    op.execute(f"{verb} grid_current AS SELECT * FROM grid WHERE generation_high IS NULL AND draft_id IS NULL")
    op.execute(VIEW_COMMENT)


def upgrade():
    op.add_column("grid", sa.Column("exclave", sa.Boolean(), nullable=False, server_default=sa.false()))
    _grid_current(replace=True)

    op.drop_constraint("ck_boundary_version_status", "boundary_version", type_="check")
    op.create_check_constraint("ck_boundary_version_status", "boundary_version", STATUS_NEW)
    op.drop_constraint("ck_boundary_version_generation_when_published", "boundary_version", type_="check")
    op.create_check_constraint("ck_boundary_version_generation_when_published", "boundary_version",
                               GENERATION_NEW)
    op.add_column("boundary_version", sa.Column("scheduled_at", sa.DateTime(timezone=True)))
    op.add_column("boundary_version", sa.Column("scheduled_by", sa.Text()))
    op.add_column("boundary_version", sa.Column(
        "scheduled_by_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL",
                                                       name="fk_boundary_version_scheduled_by_id_app_user")))
    op.add_column("boundary_version", sa.Column("schedule_error", sa.Text()))
    op.add_column("boundary_version", sa.Column("validation", postgresql.JSONB()))
    op.add_column("boundary_version", sa.Column("validation_row_version", sa.Integer()))
    # The request-time check looks for due versions on every new Beijing day: one small index.
    op.create_index("ix_boundary_version_scheduled", "boundary_version", ["effective_date"],
                    postgresql_where=sa.text("status = 'scheduled'"))

    op.drop_constraint("ck_draft_operation_kind", "draft_operation", type_="check")
    op.create_check_constraint("ck_draft_operation_kind", "draft_operation", KINDS_NEW)


def downgrade():
    # NOT VALID: logged exclave edits stay in the log; new rows are checked. Raw SQL, so the name is the one
    # the naming convention (app.extensions.NAMING) gives op.create_check_constraint("ck_draft_operation_kind").
    op.drop_constraint("ck_draft_operation_kind", "draft_operation", type_="check")
    op.execute("ALTER TABLE draft_operation ADD CONSTRAINT ck_draft_operation_ck_draft_operation_kind "
               f"CHECK ({KINDS_OLD}) NOT VALID")

    op.drop_index("ix_boundary_version_scheduled", "boundary_version")
    # A scheduled version goes back to being a draft: nothing published is lost.
    op.execute("UPDATE boundary_version SET status = 'draft' WHERE status = 'scheduled'")
    for column in ("validation_row_version", "validation", "schedule_error", "scheduled_by_id", "scheduled_by",
                   "scheduled_at"):
        op.drop_column("boundary_version", column)
    op.drop_constraint("ck_boundary_version_generation_when_published", "boundary_version", type_="check")
    op.create_check_constraint("ck_boundary_version_generation_when_published", "boundary_version",
                               GENERATION_OLD)
    op.drop_constraint("ck_boundary_version_status", "boundary_version", type_="check")
    op.create_check_constraint("ck_boundary_version_status", "boundary_version", STATUS_OLD)

    # A view cannot lose a column in place: drop it, drop the column, create it again.
    op.execute("DROP VIEW grid_current")
    op.drop_column("grid", "exclave")
    _grid_current(replace=False)
