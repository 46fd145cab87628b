-- Figures per worker for the period [:first, :last] (Beijing days) summed from the
-- daily roll-ups (rollup_worker.sql, rollup_places.sql): the columns and
-- definitions of worker_figures.sql, which stays the reference. A crossing row
-- counts when the period holds the day before too (day > :first).
WITH w AS (
  SELECT u.id, u.username, u.display_name,
         nullif(regexp_replace(coalesce(u.phone, ''), '\D', '', 'g'), '') AS phone,
         nullif(regexp_replace(coalesce(st.phone, ''), '\D', '', 'g'), '') AS staff_phone
  FROM app_user u
  LEFT JOIN staff st ON st.id = u.staff_id
  WHERE u.role = 'worker' AND u.active
    AND (CAST(:workers AS integer[]) IS NULL OR u.id = ANY(CAST(:workers AS integer[])))
),
area AS (
  SELECT ua.user_id AS worker_id, g.id AS grid_id, g.code, g.name
  FROM user_area ua
  JOIN w ON w.id = ua.user_id
  JOIN grid_current g ON g.code = ua.grid_code
  WHERE NOT EXISTS (
    SELECT 1 FROM user_area ua2
    JOIN grid_current g2 ON g2.code = ua2.grid_code
    WHERE ua2.user_id = ua.user_id AND g2.id <> g.id AND g2.id = ANY(g.lineage))
),
day_rows AS (
  SELECT d.* FROM patrol_day_worker d JOIN w ON w.id = d.worker_id
  WHERE d.day BETWEEN :first AND :last AND (NOT d.crossing OR d.day > :first)
),
track AS (
  SELECT worker_id, sum(fixes) AS fixes, sum(sessions) AS sessions, sum(seconds) AS seconds,
         sum(metres) AS metres, min(first_fix) AS first_fix, max(last_fix) AS last_fix
  FROM day_rows GROUP BY worker_id
),
online AS (
  SELECT d.worker_id, count(DISTINCT s) AS slots
  FROM day_rows d CROSS JOIN LATERAL unnest(d.slots) s
  WHERE s = ANY(CAST(:slots AS bigint[]))
  GROUP BY d.worker_id
),
grid_rows AS (
  SELECT d.* FROM patrol_day_worker_grid d JOIN area a ON a.worker_id = d.worker_id AND a.grid_id = d.grid_id
  WHERE d.day BETWEEN :first AND :last AND (NOT d.crossing OR d.day > :first)
),
inside AS (
  SELECT worker_id, grid_id, sum(seconds) AS seconds FROM grid_rows GROUP BY worker_id, grid_id
),
touched AS (
  SELECT d.worker_id, d.grid_id, count(DISTINCT c) AS visited
  FROM grid_rows d CROSS JOIN LATERAL unnest(d.cells) c
  GROUP BY d.worker_id, d.grid_id
),
area_figures AS (
  SELECT a.worker_id,
         sum(coalesce(i.seconds, 0)) AS area_seconds,
         sum(coalesce(t.visited, 0)) AS visited,
         sum(coalesce(cs.total, 0)) AS cells,
         json_agg(json_build_object('code', a.code, 'name', a.name, 'seconds', coalesce(i.seconds, 0),
                                    'visited_cells', coalesce(t.visited, 0), 'total_cells', coalesce(cs.total, 0))
                  ORDER BY a.code) AS grids
  FROM area a
  LEFT JOIN inside i ON i.worker_id = a.worker_id AND i.grid_id = a.grid_id
  LEFT JOIN touched t ON t.worker_id = a.worker_id AND t.grid_id = a.grid_id
  LEFT JOIN patrol_grid_cellset cs ON cs.grid_id = a.grid_id AND cs.cell_m = :cell_m
  GROUP BY a.worker_id
),
phones AS (  -- one row per (worker, phone): an equality the planner can hash, unlike "IN (phone, staff_phone)"
  SELECT id, phone FROM w WHERE phone IS NOT NULL
  UNION
  SELECT id, staff_phone FROM w WHERE staff_phone IS NOT NULL
),
events AS (
  SELECT ph.id AS worker_id, count(*) AS events
  FROM (SELECT regexp_replace(coalesce(r.reporter_phone, ''), '\D', '', 'g') AS phone FROM report r
        WHERE r.channel = 'worker_app' AND r.district_code = :district_code
          AND r.created_at >= :t_from AND r.created_at < :t_to) r
  JOIN phones ph ON ph.phone = r.phone
  GROUP BY ph.id
),
places AS (
  SELECT v.worker_id, count(DISTINCT v.place_id) AS places, count(*) AS place_visits
  FROM patrol_day_place v
  WHERE v.day BETWEEN :first AND :last
  GROUP BY v.worker_id
),
rejected AS (
  SELECT r.worker_id, count(*) AS rejected
  FROM patrol_fix_rejected r
  JOIN w ON w.id = r.worker_id
  WHERE r.time >= :t_from AND r.time < :t_to
  GROUP BY r.worker_id
)
SELECT w.id, w.username, w.display_name,
       coalesce(tr.fixes, 0) AS fixes, coalesce(tr.sessions, 0) AS sessions,
       coalesce(tr.seconds, 0) AS seconds, coalesce(tr.metres, 0) AS metres,
       coalesce(af.area_seconds, 0) AS area_seconds, coalesce(af.visited, 0) AS visited_cells,
       coalesce(af.cells, 0) AS total_cells, coalesce(af.grids, '[]'::json) AS grids,
       coalesce(o.slots, 0) AS online_slots, coalesce(e.events, 0) AS events,
       coalesce(p.places, 0) AS places, coalesce(p.place_visits, 0) AS place_visits,
       coalesce(rj.rejected, 0) AS rejected,
       tr.first_fix, tr.last_fix
FROM w
LEFT JOIN track tr ON tr.worker_id = w.id
LEFT JOIN area_figures af ON af.worker_id = w.id
LEFT JOIN online o ON o.worker_id = w.id
LEFT JOIN events e ON e.worker_id = w.id
LEFT JOIN places p ON p.worker_id = w.id
LEFT JOIN rejected rj ON rj.worker_id = w.id
ORDER BY w.id
