-- Assign every report listed in the temp table assign_target to its grids in
-- the current published boundaries. The rule (see geo/assign.py): the finest
-- regular grid that COVERS the point (edges and vertices included); on a
-- shared edge or vertex the lowest code wins; dedicated grids are added; a
-- point covered by nothing is flagged out_of_coverage (stored, never dropped).
-- updated_at takes clock_timestamp(), not now() (the transaction's start): it is
-- the live feed's cursor (app.dispatch.feed) and must move within one transaction.
--
-- 1. Leaves first: one GiST probe per point on the partial index of current leaves.
UPDATE report r
SET grid_id = hit.grid_id, grid_lineage = hit.lineage, generation = :generation,
    out_of_coverage = false, updated_at = clock_timestamp()
FROM (
  SELECT t.id, leaf.id AS grid_id, leaf.lineage
  FROM assign_target t
  JOIN report p ON p.id = t.id
  CROSS JOIN LATERAL (
    SELECT g.id, g.lineage FROM grid g
    WHERE g.generation_high IS NULL AND g.draft_id IS NULL AND g.kind = 'regular' AND g.is_leaf
      AND ST_Covers(g.geom, p.location)
    -- Leaves sit at different depths (a grid without micro-grids is a leaf
    -- too): on their shared edge the deeper one wins, as in the lookup.
    ORDER BY cardinality(g.lineage) DESC, g.code LIMIT 1
  ) leaf
) hit
WHERE r.id = hit.id
-- ;;
-- 2. The rest, written once each: a point in a gap between leaves but inside
--    their parent gets the deepest regular grid covering it; anything else is
--    outside coverage. Most of these points are outside the district, so the
--    root polygons are tested first (one polygon, which PostGIS keeps prepared
--    between rows) before the wider search.
UPDATE report r
SET grid_id = hit.grid_id, grid_lineage = coalesce(hit.lineage, '{}'), generation = :generation,
    out_of_coverage = hit.grid_id IS NULL, updated_at = clock_timestamp()
FROM (
  SELECT t.id, g2.id AS grid_id, g2.lineage
  FROM assign_target t
  JOIN report p ON p.id = t.id AND p.grid_id IS NULL
  LEFT JOIN LATERAL (
    SELECT g.id, g.lineage FROM grid g
    WHERE p.location IS NOT NULL
      AND EXISTS (SELECT 1 FROM grid root
                  WHERE root.generation_high IS NULL AND root.draft_id IS NULL AND root.kind = 'regular'
                    AND root.parent_id IS NULL AND ST_Covers(root.geom, p.location))
      AND g.generation_high IS NULL AND g.draft_id IS NULL AND g.kind = 'regular' AND NOT g.is_leaf
      AND ST_Covers(g.geom, p.location)
    ORDER BY cardinality(g.lineage) DESC, g.code LIMIT 1
  ) g2 ON true
) hit
WHERE r.id = hit.id
-- ;;
-- 4. Dedicated grids overlay the tiling: a point may be in several.
UPDATE report r
SET dedicated_grid_ids = d.ids
FROM (
  SELECT t.id, array_agg(g.id ORDER BY g.code) AS ids
  FROM assign_target t
  JOIN report p ON p.id = t.id
  JOIN grid g ON g.generation_high IS NULL AND g.draft_id IS NULL AND g.kind = 'dedicated'
             AND ST_Covers(g.geom, p.location)
  GROUP BY t.id
) d
WHERE r.id = d.id
