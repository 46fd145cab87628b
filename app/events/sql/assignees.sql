-- The people an event can be dispatched (or reassigned) to: active grid-worker accounts whose area
-- covers it (any grid of its lineage or a dedicated grid), the most specific area first (a
-- micro-grid worker before the community's), then the least loaded, with what a dispatcher
-- picks by: name, the covering grids of their area, phone (their own, else their staff
-- record's) and how many open events they hold.
--
-- One entry per person: accounts linked to one staff record are one person, shown once (the
-- account used most recently stands for them), so nobody is picked through a stale duplicate.
WITH candidate AS (
  SELECT u.id, u.username, u.display_name, coalesce(nullif(u.phone, ''), st.phone) AS phone,
         coalesce(u.staff_id, -u.id) AS person, u.last_login_at,
         array_agg(DISTINCT a.grid_code ORDER BY a.grid_code) AS areas,
         jsonb_agg(DISTINCT jsonb_build_object('code', g.code, 'name', g.name)) AS grids,
         max(cardinality(g.lineage)) AS depth
  FROM app_user u
  JOIN user_area a ON a.user_id = u.id
  JOIN grid g ON g.code = a.grid_code AND g.id = ANY(CAST(:grid_ids AS integer[]))
  LEFT JOIN staff st ON st.id = u.staff_id
  WHERE u.role = 'worker' AND u.active
  GROUP BY u.id, st.phone
),
person AS (
  SELECT DISTINCT ON (c.person) c.*
  FROM candidate c
  ORDER BY c.person, c.last_login_at DESC NULLS LAST, c.id
)
SELECT p.id, p.username, p.display_name, p.phone, p.areas, p.grids,
       (SELECT count(*) FROM report r
        WHERE r.assignee_id = p.id AND r.status NOT IN ('closed', 'cancelled')) AS open_events
FROM person p
ORDER BY p.depth DESC, open_events, p.display_name, p.username
