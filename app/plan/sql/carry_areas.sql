-- On publish (after plan/publish): the areas of accounts (user_area, grid codes) follow split and
-- merged grids as staff assignments do (plan/carry_staff): a code new in this generation is added
-- to every account whose area holds one of its predecessors, so a grid worker still sees the events
-- of both halves of a split grid. The retired code stays in the area: codes are never reused
-- (plan/taken_codes), and it keeps the closed events handled in the old grid visible.
WITH old_codes AS (
  SELECT DISTINCT g.code FROM grid g
  WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:old_generation AS integer), CAST(NULL AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
), added AS (
  SELECT g.code, p.code AS predecessor
  FROM grid_current g CROSS JOIN LATERAL unnest(g.predecessors) AS p(code)
  WHERE NOT EXISTS (SELECT 1 FROM old_codes o WHERE o.code = g.code)
), sources AS (
  SELECT ad.code, ad.predecessor, ua.user_id FROM added ad JOIN user_area ua ON ua.grid_code = ad.predecessor
), carried AS (
  INSERT INTO user_area (user_id, grid_code)
  SELECT DISTINCT s.user_id, s.code FROM sources s
  ON CONFLICT ON CONSTRAINT uq_user_area DO NOTHING
  RETURNING id, user_id, grid_code
)
SELECT c.user_id, u.username, c.grid_code,
       (SELECT array_agg(DISTINCT s.predecessor ORDER BY s.predecessor) FROM sources s
        WHERE s.code = c.grid_code AND s.user_id = c.user_id) AS from_codes
FROM carried c JOIN app_user u ON u.id = c.user_id
ORDER BY c.user_id, c.grid_code
