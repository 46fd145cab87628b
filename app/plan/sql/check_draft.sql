-- Invariants of a draft after an edit (a failure is a bug, not bad input): every grid's parent
-- is in the draft, and every code appears once.
WITH v AS (
  SELECT g.code, g.parent_code, g.level FROM grid g
  WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
)
(SELECT 'orphan' AS problem, v.code FROM v
 WHERE (v.parent_code IS NULL AND v.level <> 'district')
    OR (v.parent_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM v p WHERE p.code = v.parent_code)) LIMIT 10)
UNION ALL
(SELECT 'duplicate', code FROM v GROUP BY code HAVING count(*) > 1 LIMIT 10)
