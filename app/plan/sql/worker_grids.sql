-- The grids of one version that count towards the load of the workers :staff_ids (as
-- grids/version_grids.sql gives every grid its staff: its own active assignments, else those of its
-- predecessors), without geometry: what checking a worker's load again after an edit needs. The
-- grids are found from the workers' assignment codes first, so only those rows get their staff.
WITH mine AS (
  SELECT DISTINCT a.grid_code FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
  WHERE a.staff_id = ANY(CAST(:staff_ids AS integer[]))
)
SELECT g.code, g.level, g.kind, g.parent_code,
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
  AND (g.code IN (SELECT grid_code FROM mine) OR g.predecessors && ARRAY(SELECT grid_code FROM mine))
