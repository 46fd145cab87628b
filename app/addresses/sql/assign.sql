-- Assign every address listed in address_assign_target to its grid in the
-- current published boundaries, with the project's rule (geo/assign.py,
-- gridmap_finest_grid of migration 0023): the finest regular grid that COVERS the point,
-- the lowest code on a shared edge or vertex; covered by nothing -> stored,
-- grid NULL, out_of_coverage.
-- Only a grid of the address's own district (issue 19): an address whose point a publication leaves
-- in another district's grids keeps its district (district_code is the distribution column, and
-- reports and visits refer to it by (district_code, id)) and is flagged out_of_coverage with no grid,
-- listed with the library's outside=true filter, for the districts' address keepers to settle.
--
-- 1. Leaves first: one GiST probe per point on the partial index of current leaves.
-- (The hits go to a table of their own, not a data-modifying CTE, which Citus cannot run on a
-- distributed table.)
-- The points first, on their own: on Citus the grid function then runs on the coordinator, next to
-- its copy of the grids, not inside a query over every shard of the addresses.
CREATE TEMP TABLE address_assign_point ON COMMIT DROP AS
  SELECT t.id, p.district_code, p.location FROM address_assign_target t JOIN standard_address p ON p.id = t.id
-- ;;
CREATE TEMP TABLE address_assign_hit ON COMMIT DROP AS
  SELECT p.id, leaf.id AS grid_id, leaf.code
  FROM address_assign_point p
  -- Leaves sit at different depths: on their shared edge the deeper one wins, as in the lookup.
  CROSS JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL, leaves_only => true) leaf
  WHERE leaf.district_code = p.district_code
-- ;;
UPDATE standard_address a
SET grid_id = hit.grid_id, grid_code = hit.code, generation = (SELECT v.generation FROM boundary_version v
                  WHERE v.status = 'published' AND v.district_code = a.district_code), out_of_coverage = false
FROM address_assign_hit hit
WHERE a.id = hit.id
-- ;;
UPDATE address_assign_target t SET placed = true FROM address_assign_hit hit WHERE t.id = hit.id
-- ;;
DROP TABLE address_assign_hit
-- ;;
-- 2. The rest: a point in a gap between leaves but inside their parent gets
--    the deepest regular grid covering it (no leaf covers these points, so the
--    finest grid of all is the finest non-leaf); anything else is outside coverage.
--    The root polygons are tested first (most such points are outside the district).
-- (Worked out into a table first, then written: Citus cannot push the grid function down into a
-- multi-shard UPDATE.)
CREATE TEMP TABLE address_assign_hit ON COMMIT DROP AS
  SELECT t.id, g2.id AS grid_id, g2.code
  FROM address_assign_target t
  JOIN address_assign_point p ON p.id = t.id AND NOT t.placed
  LEFT JOIN LATERAL (
    SELECT g.id, g.code FROM gridmap_finest_grid(p.location, NULL, NULL) g
    WHERE g.district_code = p.district_code
      AND EXISTS (SELECT 1 FROM grid_current root
                  WHERE root.kind = 'regular' AND root.parent_id IS NULL AND root.district_code = p.district_code
                    AND ST_Covers(root.geom, p.location))
    OFFSET 0  -- keeps this sub-select whole, so the root test runs once per point, before the search
  ) g2 ON true
-- ;;
UPDATE standard_address a
SET grid_id = hit.grid_id, grid_code = hit.code, generation = (SELECT v.generation FROM boundary_version v
                  WHERE v.status = 'published' AND v.district_code = a.district_code),
    out_of_coverage = hit.grid_id IS NULL
FROM address_assign_hit hit
WHERE a.id = hit.id
-- ;;
DROP TABLE address_assign_hit
-- ;;
DROP TABLE address_assign_point
