-- Figures per worker (app_user with role worker) for the period held in
-- patrol_track / patrol_place_visit (track_fill.sql). Definitions: geo/patrol/
-- and app/patrols/figures.py.
--
-- seconds / metres    all patrol segments (0 < dt <= max_gap), wherever they are
-- area_seconds        the same, inside the worker's own grids (user_area; a grid
--                     nested in another of the same worker's grids is not counted twice)
-- visited / cells     cells of the worker's own grids their own track came within
--                     buffer_m of, and how many cells those grids have
-- online_slots        scheduled slots (slots, numbers = epoch seconds / slot_s)
--                     holding at least one of the worker's fixes
-- events              reports of channel worker_app in the period whose reporter
--                     phone is the account's phone or its staff record's phone
-- places / place_visits  distinct key places visited; (place, day) visits
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
  SELECT ua.user_id AS worker_id, g.id AS grid_id, g.code, g.name, g.geom
  FROM user_area ua
  JOIN w ON w.id = ua.user_id
  JOIN grid_current g ON g.code = ua.grid_code
  WHERE NOT EXISTS (
    SELECT 1 FROM user_area ua2
    JOIN grid_current g2 ON g2.code = ua2.grid_code
    WHERE ua2.user_id = ua.user_id AND g2.id <> g.id AND g2.id = ANY(g.lineage))
),
track AS (
  SELECT t.worker_id, count(*) AS fixes,
         count(*) FILTER (WHERE t.dt IS NULL OR t.dt > :max_gap) AS sessions,
         coalesce(sum(t.dt) FILTER (WHERE t.dt <= :max_gap), 0) AS seconds,
         coalesce(sum(ST_Distance(CAST(t.prev_geom AS geography), CAST(t.geom AS geography)))
                  FILTER (WHERE t.dt <= :max_gap), 0) AS metres,
         min(t.time) AS first_fix, max(t.time) AS last_fix
  FROM patrol_track t GROUP BY t.worker_id
),
seg AS (
  SELECT t.worker_id, t.dt, t.prev_geom AS p0, t.geom AS p1, ST_MakeLine(t.prev_geom, t.geom) AS line
  FROM patrol_track t WHERE t.dt <= :max_gap
),
inside AS (
  SELECT a.worker_id, a.grid_id, sum(s.dt * x.frac) AS seconds
  FROM seg s
  JOIN area a ON a.worker_id = s.worker_id AND a.geom && s.line AND ST_Intersects(a.geom, s.line)
  CROSS JOIN LATERAL (SELECT CASE
      WHEN ST_Length(s.line) = 0 THEN CASE WHEN ST_Covers(a.geom, s.p0) THEN 1.0 ELSE 0.0 END
      WHEN ST_CoveredBy(s.line, a.geom) THEN 1.0
      ELSE least(1.0, ST_Length(ST_Intersection(s.line, a.geom)) / ST_Length(s.line)) END AS frac) x
  GROUP BY a.worker_id, a.grid_id
),
pieces AS (
  SELECT t.worker_id, ST_MakeLine(t.prev_geom, t.geom) AS piece FROM patrol_track t WHERE t.dt <= :max_gap
  UNION ALL
  SELECT t.worker_id, t.geom FROM patrol_track t
  WHERE (t.dt IS NULL OR t.dt > :max_gap) AND (t.next_dt IS NULL OR t.next_dt > :max_gap)
),
near AS (
  SELECT a.worker_id, a.grid_id, ST_Collect(p.piece) AS track
  FROM pieces p
  JOIN area a ON a.worker_id = p.worker_id AND a.geom && ST_Expand(p.piece, :pad_deg)
  GROUP BY a.worker_id, a.grid_id
),
projected AS MATERIALIZED (
  SELECT n.worker_id, n.grid_id, ST_Transform(n.track, cs.proj) AS tm
  FROM near n JOIN patrol_grid_cellset cs ON cs.grid_id = n.grid_id AND cs.cell_m = :cell_m
),
touched AS (
  SELECT p.worker_id, p.grid_id, count(*) AS visited
  FROM projected p
  JOIN patrol_grid_cell c ON c.grid_id = p.grid_id AND c.cell_m = :cell_m AND ST_DWithin(p.tm, c.part, :buffer_m)
  GROUP BY p.worker_id, p.grid_id
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
online AS (
  SELECT t.worker_id, count(DISTINCT CAST(floor(extract(epoch FROM t.time) / :slot_s) AS bigint)) AS slots
  FROM patrol_track t
  WHERE CAST(floor(extract(epoch FROM t.time) / :slot_s) AS bigint) = ANY(CAST(:slots AS bigint[]))
  GROUP BY t.worker_id
),
events AS (
  SELECT w.id AS worker_id, count(*) AS events
  FROM w
  JOIN report r ON r.channel = 'worker_app' AND r.district_code = :district_code
               AND r.created_at >= :t_from AND r.created_at < :t_to
               AND regexp_replace(coalesce(r.reporter_phone, ''), '\D', '', 'g') IN (w.phone, w.staff_phone)
  GROUP BY w.id
),
places AS (
  SELECT v.worker_id, count(DISTINCT v.place_id) AS places, count(*) AS place_visits
  FROM patrol_place_visit v GROUP BY v.worker_id
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
