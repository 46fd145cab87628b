-- The people an event can be dispatched (or reassigned) to: the one definition of a candidate
-- (app.events.service.assignees; the transition check asks it too). Active grid-worker accounts
--   relation 'grid':      whose area covers the event at grid level or finer (its grid, micro-grid,
--                         a dedicated grid over it);
--   relation 'community': whose area is the event's community or a unit above it (the community's
--                         own staff);
--   relation 'neighbour': whose area is another grid of the event's community (a colleague next
--                         door: in the demo, as in many real grids, a grid has one worker, so
--                         without them reassigning would have nobody to hand the case to).
-- Closest relation first, then the most specific area, then the least loaded, with what a
-- dispatcher picks by: name, the grids of their area (whose grid they are), phone (their own,
-- else their staff record's) and how many open events they hold.
--
-- One entry per person: accounts linked to one staff record are one person, shown once (the
-- account used most recently stands for them), so nobody is picked through a stale duplicate.
WITH event_grid AS (
  SELECT g.id, g.code, g.level, g.kind, cardinality(g.lineage) AS depth
  FROM grid g WHERE g.id = ANY(CAST(:grid_ids AS integer[]))
),
community AS (
  SELECT code FROM event_grid WHERE level = 'community'
),
area_grid AS (
  SELECT a.user_id, e.code, g.name, e.depth,
         CASE WHEN e.kind = 'dedicated' OR e.level NOT IN ('district', 'subdistrict', 'community')
              THEN 1 ELSE 2 END AS rank
  FROM user_area a
  JOIN event_grid e ON e.code = a.grid_code
  JOIN grid g ON g.id = e.id
  UNION ALL
  SELECT a.user_id, g.code, g.name, cardinality(g.lineage), 3
  FROM user_area a
  JOIN grid_current g ON g.code = a.grid_code
  WHERE g.code NOT IN (SELECT code FROM event_grid)
    AND EXISTS (SELECT 1 FROM grid c JOIN community m ON m.code = c.code WHERE c.id = ANY(g.lineage))
),
best AS (
  SELECT user_id, min(rank) AS rank FROM area_grid GROUP BY user_id
),
candidate AS (
  SELECT u.id, u.username, u.display_name, coalesce(nullif(u.phone, ''), st.phone) AS phone,
         coalesce(u.staff_id, -u.id) AS person, u.last_login_at, b.rank,
         array_agg(DISTINCT ag.code ORDER BY ag.code) AS areas,
         jsonb_agg(DISTINCT jsonb_build_object('code', ag.code, 'name', ag.name)) AS grids,
         max(ag.depth) AS depth
  FROM app_user u
  JOIN best b ON b.user_id = u.id
  JOIN area_grid ag ON ag.user_id = u.id AND ag.rank = b.rank
  LEFT JOIN staff st ON st.id = u.staff_id
  WHERE u.role = 'worker' AND u.active
  GROUP BY u.id, st.phone, b.rank
),
person AS (
  SELECT DISTINCT ON (c.person) c.*
  FROM candidate c
  ORDER BY c.person, c.last_login_at DESC NULLS LAST, c.id
)
-- The workload as a join of counts, not a sub-select per person: Citus refuses a correlated
-- sub-select over report (distributed) when the FROM holds a CTE.
SELECT p.id, p.username, p.display_name, p.phone, p.areas, p.grids,
       CASE p.rank WHEN 1 THEN 'grid' WHEN 2 THEN 'community' ELSE 'neighbour' END AS relation,
       coalesce(w.n, 0) AS open_events
FROM person p
LEFT JOIN (
  SELECT r.assignee_id, count(*) AS n FROM report r
  WHERE r.assignee_id IN (SELECT id FROM person) AND r.status NOT IN ('closed', 'cancelled')
  GROUP BY r.assignee_id
) w ON w.assignee_id = p.id
ORDER BY p.rank, p.depth DESC, open_events, p.display_name, p.username
