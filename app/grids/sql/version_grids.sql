-- Every grid of one version with its geometry (WKB) and active staff, for validation and export.
-- Scope: the 6-argument grid_in_version (:generation, :draft_id as app.grids.versions.Scope gives them).
-- :codes (NULL: all) keeps the grids named there, their children (parent_code) and nothing else;
-- :with_geometry false leaves the geometry out (a worker's load needs codes and staff only).
-- Staff: gridmap_grid_staff (migration 0030): the grid's own active assignments, else those of
-- its predecessors, which publishing carries to it.
SELECT g.code, g.name, g.level, g.kind, g.parent_code,
       CASE WHEN CAST(:with_geometry AS boolean) THEN ST_AsBinary(g.geom) END AS wkb, g.households, g.population,
       g.area_m2, g.predecessors, g.exclave,
       s.staff
FROM grid g CROSS JOIN LATERAL gridmap_grid_staff(g.code, g.predecessors) AS s(staff)
WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
  AND (CAST(:level AS text) IS NULL OR g.level = :level)
  AND (CAST(:codes AS text[]) IS NULL OR g.code = ANY(CAST(:codes AS text[]))
       OR g.parent_code = ANY(CAST(:codes AS text[])))
ORDER BY g.code
