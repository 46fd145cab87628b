"""One definition of "the staff of a grid in a version": gridmap_grid_staff(code, predecessors).

A grid's staff are the active workers assigned to its code; a grid that has
none yet (a draft's new code, after a split or merge) gets those of its
predecessors, which publishing carries over to it (plan/sql/carry_staff.sql),
so a split grid is not reported without a worker only to get one on
publishing. The validation rows (grids/sql/version_grids.sql) and the worker
load check (plan/sql/worker_grids.sql) both ask it; until now each wrote the
rule out. (Parameter names differ from every column's: in a SQL function a
column of the same name would win.)

Called in FROM (``CROSS JOIN LATERAL gridmap_grid_staff(g.code, g.predecessors)
AS s(staff)``): a set-returning SQL function of one SELECT, STABLE, not STRICT
is inlined there, so the query plans as if the rule were written out (40 ms
for the demo's 6,172 grids). A scalar function would not be: its sub-selects
stop inlining and the same query took 256 ms. It always returns one row.

Revision ID: 0030_grid_staff
Revises: 0028_report_grids_function
Create Date: 2026-12-07
"""
from alembic import op

revision = "0030_grid_staff"
down_revision = "0028_report_grids_function"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE FUNCTION gridmap_grid_staff(of_code text, of_predecessors text[])
        RETURNS SETOF integer[] LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
          SELECT coalesce(
            (SELECT array_agg(DISTINCT a.staff_id ORDER BY a.staff_id)
             FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
             WHERE a.grid_code = of_code),
            (SELECT array_agg(DISTINCT a.staff_id ORDER BY a.staff_id)
             FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
             WHERE a.grid_code = ANY(of_predecessors)),
            '{}')
        $$""")
    op.execute("COMMENT ON FUNCTION gridmap_grid_staff(text, text[]) IS "
               "'The active staff ids of a grid: its own assignments, else those of its predecessors "
               "(which publishing carries to it); the one definition of a grid''s staff in a version'")


def downgrade():
    op.execute("DROP FUNCTION gridmap_grid_staff(text, text[])")
