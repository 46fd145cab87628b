-- Every grid of one version with its geometry (WKB) and active staff, for validation and export.
-- Scope: the 6-argument grid_in_version (:generation, :draft_id as app.grids.versions.Scope gives them).
-- :codes (NULL: all) keeps the grids named there, their children (parent_code) and nothing else;
-- :with_geometry false leaves the geometry out (a worker's load needs codes and staff only).
-- Staff: the grid's own active assignments; a grid that has none yet (a draft's new code) gets
-- those of its predecessors, which publishing carries to it (plan/sql/carry_staff.sql), so a
-- split or merged grid is not reported without a worker only to get one on publishing.
SELECT g.code, g.name, g.level, g.kind, g.parent_code,
       CASE WHEN CAST(:with_geometry AS boolean) THEN ST_AsBinary(g.geom) END AS wkb, g.households, g.population,
       g.area_m2, g.predecessors, g.exclave,
       coalesce((SELECT array_agg(DISTINCT a.staff_id ORDER BY a.staff_id)
                 FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
                 WHERE a.grid_code = g.code),
                (SELECT array_agg(DISTINCT a.staff_id ORDER BY a.staff_id)
                 FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
                 WHERE a.grid_code = ANY(g.predecessors)),
                '{}') AS staff
FROM grid g
WHERE grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:generation AS integer), CAST(:draft_id AS integer))
  AND (CAST(:level AS text) IS NULL OR g.level = :level)
  AND (CAST(:codes AS text[]) IS NULL OR g.code = ANY(CAST(:codes AS text[]))
       OR g.parent_code = ANY(CAST(:codes AS text[])))
ORDER BY g.code
