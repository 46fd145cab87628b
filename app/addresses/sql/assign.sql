-- Assign every address listed in address_assign_target to its grid in the
-- current published boundaries, with the project's rule (geo/assign.py,
-- gridmap_finest_grid of migration 0023): the finest regular grid that COVERS the point,
-- the lowest code on a shared edge or vertex; covered by nothing -> stored,
-- grid NULL, out_of_coverage.
--
-- 1. Leaves first: one GiST probe per point on the partial index of current leaves.
WITH hit AS (
  SELECT t.id, leaf.id AS grid_id, leaf.code
  FROM address_assign_target t
  JOIN standard_address p ON p.id = t.id
  -- Leaves sit at different depths: on their shared edge the deeper one wins, as in the lookup.
  CROSS JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL, leaves_only => true) leaf
), placed AS (
  UPDATE standard_address a
  SET grid_id = hit.grid_id, grid_code = hit.code,
    generation = (SELECT v.generation FROM boundary_version v
                  WHERE v.status = 'published' AND v.district_code = a.district_code), out_of_coverage = false
  FROM hit
  WHERE a.id = hit.id
)
UPDATE address_assign_target t SET placed = true FROM hit WHERE t.id = hit.id
-- ;;
-- 2. The rest: a point in a gap between leaves but inside their parent gets
--    the deepest regular grid covering it (no leaf covers these points, so the
--    finest grid of all is the finest non-leaf); anything else is outside coverage.
--    The root polygons are tested first (most such points are outside the district).
UPDATE standard_address a
SET grid_id = hit.grid_id, grid_code = hit.code,
    generation = (SELECT v.generation FROM boundary_version v
                  WHERE v.status = 'published' AND v.district_code = a.district_code),
    out_of_coverage = hit.grid_id IS NULL
FROM (
  SELECT t.id, g2.id AS grid_id, g2.code
  FROM address_assign_target t
  JOIN standard_address p ON p.id = t.id AND NOT t.placed
  LEFT JOIN LATERAL (
    SELECT g.id, g.code FROM gridmap_finest_grid(p.location, NULL, NULL) g
    WHERE EXISTS (SELECT 1 FROM grid_current root
                  WHERE root.kind = 'regular' AND root.parent_id IS NULL AND ST_Covers(root.geom, p.location))
    OFFSET 0  -- keeps this sub-select whole, so the root test runs once per point, before the search
  ) g2 ON true
) hit
WHERE a.id = hit.id
