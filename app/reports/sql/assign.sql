-- Assign every report listed in the temp table assign_target to its grids in
-- the current published boundaries. The rule (geo/assign.py; in SQL
-- gridmap_finest_grid, migration 0023): the finest
-- regular grid that COVERS the point (edges and vertices included); on a
-- shared edge or vertex the lowest code wins; dedicated grids are added; a
-- point covered by nothing is flagged out_of_coverage (stored, never dropped).
-- updated_at takes the clock parameter, the database's clock_timestamp() read just before (app.dbclock), not now()
-- (the transaction's start): it is the live feed's cursor (app.dispatch.feed) and must move within one
-- transaction. A parameter, not the function: Citus refuses volatile functions in an UPDATE.
-- generation: the published generation of the report's district (issue 19).
--
-- The points first, on their own, and the hits worked out into tables before the UPDATEs (as in
-- addresses/sql/assign.sql): on Citus the grid function then runs on the coordinator, next to its
-- copy of the grids, not inside an UPDATE on the shards of report, where reading the grids is a
-- distributed query Citus refuses.
CREATE TEMP TABLE assign_point ON COMMIT DROP AS
  SELECT t.id, p.location, p.grid_id FROM assign_target t JOIN report p ON p.id = t.id
-- ;;
-- 1. Leaves first: one GiST probe per point on the partial index of current leaves.
CREATE TEMP TABLE assign_hit ON COMMIT DROP AS
  SELECT p.id, leaf.id AS grid_id, leaf.lineage
  FROM assign_point p
  -- Leaves sit at different depths (a grid without micro-grids is a leaf
  -- too): on their shared edge the deeper one wins, as in the lookup.
  CROSS JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL, leaves_only => true) leaf
-- ;;
UPDATE report r
SET grid_id = hit.grid_id, grid_lineage = hit.lineage, generation = (SELECT v.generation FROM boundary_version v
                                                           WHERE v.status = 'published' AND v.district_code = r.district_code),
    out_of_coverage = false, updated_at = CAST(:clock AS timestamptz)
FROM assign_hit hit
WHERE r.id = hit.id
-- ;;
-- 2. The rest, written once each: a point in a gap between leaves but inside
--    their parent gets the deepest regular grid covering it; anything else is
--    outside coverage (no leaf covers these points, so the finest grid of all
--    is the finest non-leaf). Most of these points are outside the district, so the
--    root polygons are tested first (one polygon, which PostGIS keeps prepared
--    between rows) before the wider search.
CREATE TEMP TABLE assign_rest ON COMMIT DROP AS
  SELECT p.id, g2.id AS grid_id, g2.lineage
  FROM assign_point p
  LEFT JOIN LATERAL (
    SELECT g.id, g.lineage FROM gridmap_finest_grid(p.location, NULL, NULL) g
    WHERE p.location IS NOT NULL
      AND EXISTS (SELECT 1 FROM grid_current root
                  WHERE root.kind = 'regular' AND root.parent_id IS NULL AND ST_Covers(root.geom, p.location))
    OFFSET 0  -- keeps this sub-select whole, so the root test runs once per point, before the search
  ) g2 ON true
  WHERE p.grid_id IS NULL AND p.id NOT IN (SELECT id FROM assign_hit)
-- ;;
UPDATE report r
SET grid_id = hit.grid_id, grid_lineage = coalesce(hit.lineage, '{}'), generation = (SELECT v.generation FROM boundary_version v
                                                           WHERE v.status = 'published' AND v.district_code = r.district_code),
    out_of_coverage = hit.grid_id IS NULL, updated_at = CAST(:clock AS timestamptz)
FROM assign_rest hit
WHERE r.id = hit.id
-- ;;
-- 4. Dedicated grids overlay the tiling: a point may be in several.
CREATE TEMP TABLE assign_dedicated ON COMMIT DROP AS
  SELECT p.id, array_agg(g.id ORDER BY g.code) AS ids
  FROM assign_point p
  JOIN grid_current g ON g.kind = 'dedicated' AND ST_Covers(g.geom, p.location)
  GROUP BY p.id
-- ;;
UPDATE report r
SET dedicated_grid_ids = d.ids
FROM assign_dedicated d
WHERE r.id = d.id
-- ;;
DROP TABLE assign_point, assign_hit, assign_rest, assign_dedicated
