"""One definition each of "the current grids" and "the finest regular grid covering a point".

``grid_current`` (a view) is the current published grid rows: no end
generation, not a draft's own row. Queries name it instead of repeating
``generation_high IS NULL AND draft_id IS NULL``. A simple view is merged
into the query that uses it, predicate and all, so the partial indexes on
current rows (``ix_grid_current_*``, ``uq_grid_current_code``) still match.

``gridmap_finest_grid(pt, want_generation, want_draft_id, leaves_only)`` is
the assignment rule of geo/assign.py in SQL: the deepest regular grid of a
version whose polygon covers the point (ST_Covers: edges count as inside),
lowest code among equals; zero rows outside coverage. The version is chosen
as ``grid_in_version`` chooses it (NULL, NULL: the current published rows).
It is a single-SELECT, STABLE, non-strict SQL function returning a set, so
PostgreSQL inlines it where it is called in FROM (LATERAL): the planner sees
the plain sub-select, folds ``grid_in_version`` for constant arguments, and
with ``leaves_only`` true in the current version the query's predicate is
exactly that of ``ix_grid_current_leaf_geom``, the intake's hot path.

The partial index predicates themselves must stay written out (an index
predicate cannot name a view); app/models/boundary.py mirrors them.

Revision ID: 0023_grid_rules
Revises: 0018_move_buildings
Create Date: 2026-12-08
"""
from alembic import op

revision = "0023_grid_rules"
down_revision = "0018_move_buildings"
branch_labels = None
depends_on = None


def upgrade():
    # SELECT * is expanded when the view is created: a migration that adds a grid column
    # re-runs CREATE OR REPLACE VIEW (tests/grids/test_sql_rules.py checks the columns match).
    op.execute("""
        CREATE VIEW grid_current AS
        SELECT * FROM grid WHERE generation_high IS NULL AND draft_id IS NULL
    """)
    op.execute("COMMENT ON VIEW grid_current IS "
               "'The current published grid rows (the published generation: no end generation, not a "
               "draft''s own row); the one definition of \"current grid\". Merged into the queries that "
               "name it, so the partial indexes on current rows still match. Recreate it (CREATE OR "
               "REPLACE VIEW) when grid gains a column'")
    # Not STRICT, not VOLATILE, no SET clause, one SELECT: the conditions for inlining in FROM.
    op.execute("""
        CREATE FUNCTION gridmap_finest_grid(pt geometry, want_generation integer, want_draft_id integer,
                                            leaves_only boolean DEFAULT false)
        RETURNS SETOF grid LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
          SELECT g.* FROM grid g
          WHERE g.kind = 'regular' AND (g.is_leaf OR NOT leaves_only)
            AND ST_Covers(g.geom, pt)
            AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                                want_generation, want_draft_id)
          ORDER BY cardinality(g.lineage) DESC, g.code
          LIMIT 1
        $$""")
    op.execute("COMMENT ON FUNCTION gridmap_finest_grid(geometry, integer, integer, boolean) IS "
               "'The grid a point belongs to (geo/assign.py): the finest regular grid of the version "
               "(want_generation, want_draft_id as in grid_in_version; NULL, NULL = the current published "
               "rows) whose polygon covers pt, edges included; lowest code among equals; no row outside "
               "coverage. leaves_only: among leaf grids only (the partial index ix_grid_current_leaf_geom "
               "holds the current ones; the intake''s first pass). Inlined when called in FROM (LATERAL)'")


def downgrade():
    op.execute("DROP FUNCTION gridmap_finest_grid(geometry, integer, integer, boolean)")
    op.execute("DROP VIEW grid_current")
