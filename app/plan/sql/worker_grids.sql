-- The grids of one version that count towards the load of the workers :staff_ids (a grid's staff
-- as gridmap_grid_staff gives them: its own active assignments, else those of its predecessors),
-- without geometry: what checking a worker's load again after an edit needs. The
-- grids are found from the workers' assignment codes first, so only those rows get their staff.
WITH mine AS (
  SELECT DISTINCT a.grid_code FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
  WHERE a.staff_id = ANY(CAST(:staff_ids AS integer[]))
)
SELECT g.code, g.level, g.kind, g.parent_code,
       s.staff
FROM grid g CROSS JOIN LATERAL gridmap_grid_staff(g.code, g.predecessors) AS s(staff)
WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  AND (g.code IN (SELECT grid_code FROM mine) OR g.predecessors && ARRAY(SELECT grid_code FROM mine))
