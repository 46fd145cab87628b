-- Every grid of one version with its geometry (WKB) and active staff, for validation and export.
-- Scope: the 6-argument grid_in_version (:generation, :draft_id as app.grids.versions.Scope gives them).
SELECT g.code, g.name, g.level, g.kind, g.parent_code, ST_AsBinary(g.geom) AS wkb, g.households, g.population,
       g.area_m2, g.predecessors,
       coalesce((SELECT array_agg(DISTINCT a.staff_id ORDER BY a.staff_id)
                 FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
                 WHERE a.grid_code = g.code), '{}') AS staff
FROM grid g
WHERE grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:generation AS integer), CAST(:draft_id AS integer))
  AND (CAST(:level AS text) IS NULL OR g.level = :level)
ORDER BY g.code
