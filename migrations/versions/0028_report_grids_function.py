"""gridmap_report_grids(pt): the grids a new report is assigned to, for use inside an INSERT ... SELECT.

The intake assigned a report after inserting it: four UPDATEs of the new row
(app/reports/sql/assign.sql), each a round trip, each a new row version and
index entries (issue 16). The same choice as a set-returning SQL function,
inlined where it is called in FROM (LATERAL), lets the single-report INSERT
and the bulk imports' staging table take the grids before the row is written:

- the finest current leaf grid covering the point (``gridmap_finest_grid``
  with ``leaves_only``, the partial index of current leaves);
- else, for a point inside the district's root polygon, the finest regular
  grid covering it (a gap between leaves); else none (out of coverage);
- the current dedicated grids covering it, by code.

assign.sql keeps the same two passes for reports assigned again (a placement
by hand, a publication); tests hold both to the same answers.

Revision ID: 0028_report_grids_function
Revises: 0027_patrol_rollups
Create Date: 2026-12-07
"""
from alembic import op

revision = "0028_report_grids_function"
down_revision = "0027_patrol_rollups"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE FUNCTION gridmap_report_grids(pt geometry)
        RETURNS TABLE (grid_id integer, lineage integer[], dedicated integer[])
        LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
          SELECT coalesce(leaf.id, gap.id), coalesce(leaf.lineage, gap.lineage, '{}'), coalesce(ded.ids, '{}')
          FROM (SELECT 1) one
          LEFT JOIN LATERAL gridmap_finest_grid(pt, NULL, NULL, leaves_only => true) leaf ON true
          LEFT JOIN LATERAL (
            SELECT g.id, g.lineage FROM gridmap_finest_grid(pt, NULL, NULL) g
            WHERE leaf.id IS NULL AND pt IS NOT NULL
              AND EXISTS (SELECT 1 FROM grid_current root
                          WHERE root.kind = 'regular' AND root.parent_id IS NULL AND ST_Covers(root.geom, pt))
            OFFSET 0
          ) gap ON true
          LEFT JOIN LATERAL (
            SELECT array_agg(g.id ORDER BY g.code) AS ids FROM grid_current g
            WHERE pt IS NOT NULL AND g.kind = 'dedicated' AND ST_Covers(g.geom, pt)
          ) ded ON true
        $$""")
    op.execute("COMMENT ON FUNCTION gridmap_report_grids(geometry) IS "
               "'The grids a new report at pt is assigned to (app/reports/sql/assign.sql in one row): the finest "
               "current leaf covering it, else inside the district the finest regular grid covering it, else none "
               "(out of coverage); and the current dedicated grids covering it. Inlined when called in FROM'")


def downgrade():
    op.execute("DROP FUNCTION gridmap_report_grids(geometry)")
