-- On publish (after plan/publish): staff follow split and merged grids. Assignments are keyed by
-- code (app.models.staff), so a grid that gets a new code would lose its workers. A code new in
-- this generation gets, for each role nobody holds there yet, the active staff assignments of its
-- predecessors (a split grid's halves keep the worker, a merged grid keeps all of them).
-- Assignments on codes the new generation no longer has are removed: the model has no end date;
-- the caller keeps the removed rows in the audit entry. One statement, so the copy and the removal
-- both read the assignments as they were before publishing.
WITH old_codes AS (
  SELECT DISTINCT g.code FROM grid g
  WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:old_generation AS integer), CAST(NULL AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
), new_grids AS (
  SELECT g.code, g.predecessors FROM grid_current g
), added AS (
  SELECT n.code, p.code AS predecessor
  FROM new_grids n CROSS JOIN LATERAL unnest(n.predecessors) AS p(code)
  WHERE NOT EXISTS (SELECT 1 FROM old_codes o WHERE o.code = n.code)
), sources AS (
  SELECT ad.code, ad.predecessor, a.staff_id, a.role
  FROM added ad
  JOIN staff_assignment a ON a.grid_code = ad.predecessor
  JOIN staff st ON st.id = a.staff_id AND st.active
  WHERE NOT EXISTS (SELECT 1 FROM staff_assignment x JOIN staff xs ON xs.id = x.staff_id AND xs.active
                    WHERE x.grid_code = ad.code AND x.role = a.role)
), carried AS (
  INSERT INTO staff_assignment (staff_id, grid_code, role)
  SELECT DISTINCT s.staff_id, s.code, s.role FROM sources s
  ON CONFLICT ON CONSTRAINT uq_staff_assignment DO NOTHING
  RETURNING id, staff_id, grid_code, role, since
), ended AS (
  DELETE FROM staff_assignment a
  USING old_codes o
  WHERE a.grid_code = o.code AND NOT EXISTS (SELECT 1 FROM new_grids n WHERE n.code = o.code)
  RETURNING a.id, a.staff_id, a.grid_code, a.role, a.since
)
SELECT 'carried' AS what, c.id, c.staff_id, st.name, c.grid_code, c.role, c.since,
       (SELECT array_agg(DISTINCT s.predecessor ORDER BY s.predecessor) FROM sources s
        WHERE s.code = c.grid_code AND s.staff_id = c.staff_id AND s.role = c.role) AS from_codes
FROM carried c JOIN staff st ON st.id = c.staff_id
UNION ALL
SELECT 'ended', e.id, e.staff_id, st.name, e.grid_code, e.role, e.since, NULL
FROM ended e JOIN staff st ON st.id = e.staff_id
ORDER BY 1, 5, 3
