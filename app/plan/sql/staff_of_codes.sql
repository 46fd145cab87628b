-- The active workers assigned to the grids :codes, or to what those grids of one version came from
-- (their predecessors): whose load an edit of those grids can change.
SELECT DISTINCT a.staff_id
FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
WHERE a.grid_code = ANY(CAST(:codes AS text[]))
   OR a.grid_code IN (
        SELECT unnest(g.predecessors) FROM grid g
        WHERE g.code = ANY(CAST(:codes AS text[]))
          AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                              CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer)))))
