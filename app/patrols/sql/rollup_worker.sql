-- Daily roll-up per worker (scope "worker") from patrol_day_track (rollup_track.sql):
-- the sums of worker_figures.sql for each day, the crossing segments apart.
-- A crossing row turns the day's first session start into a continuation: sessions -1.
DELETE FROM patrol_day_worker WHERE day = ANY(CAST(:days AS date[]))
-- ;;
DELETE FROM patrol_day_worker_grid WHERE day = ANY(CAST(:days AS date[]))
-- ;;
INSERT INTO patrol_day_worker (district_code, day, worker_id, crossing, fixes, sessions, seconds, metres, first_fix, last_fix, slots)
SELECT t.district_code, t.day, t.worker_id, t.crossing,
       count(*) FILTER (WHERE NOT t.crossing),
       CASE WHEN t.crossing THEN -count(*) ELSE count(*) FILTER (WHERE t.dt IS NULL OR t.dt > :max_gap) END,
       coalesce(sum(t.dt) FILTER (WHERE t.dt <= :max_gap), 0),
       coalesce(sum(ST_Distance(CAST(t.prev_geom AS geography), CAST(t.geom AS geography)))
                FILTER (WHERE t.dt <= :max_gap), 0),
       min(t.time) FILTER (WHERE NOT t.crossing), max(t.time) FILTER (WHERE NOT t.crossing),
       coalesce(array_agg(DISTINCT CAST(floor(extract(epoch FROM t.time) / :slot_s) AS bigint))
                FILTER (WHERE NOT t.crossing), '{}')
FROM patrol_day_track t
WHERE t.day = ANY(CAST(:days AS date[]))
GROUP BY t.district_code, t.day, t.worker_id, t.crossing
-- ;;
-- Time inside and cells visited of each worker's own grids (user_area, nested grids
-- once: the area of worker_figures.sql), for every account with a work area.
INSERT INTO patrol_day_worker_grid (district_code, day, worker_id, grid_id, crossing, seconds, cells)
WITH area AS MATERIALIZED (
  SELECT ua.user_id AS worker_id, g.id AS grid_id, g.geom
  FROM user_area ua
  JOIN grid_current g ON g.code = ua.grid_code
  WHERE NOT EXISTS (
    SELECT 1 FROM user_area ua2
    JOIN grid_current g2 ON g2.code = ua2.grid_code
    WHERE ua2.user_id = ua.user_id AND g2.id <> g.id AND g2.id = ANY(g.lineage))
),
seg AS (
  SELECT t.district_code, t.day, t.crossing, t.worker_id, t.dt, t.prev_geom AS p0, ST_MakeLine(t.prev_geom, t.geom) AS line
  FROM patrol_day_track t WHERE t.day = ANY(CAST(:days AS date[])) AND t.dt <= :max_gap
),
inside AS (
  SELECT s.district_code, s.day, s.crossing, a.worker_id, a.grid_id, sum(s.dt * x.frac) AS seconds
  FROM seg s
  JOIN area a ON a.worker_id = s.worker_id AND a.geom && s.line AND ST_Intersects(a.geom, s.line)
  CROSS JOIN LATERAL (SELECT CASE
      WHEN ST_Length(s.line) = 0 THEN CASE WHEN ST_Covers(a.geom, s.p0) THEN 1.0 ELSE 0.0 END
      WHEN ST_CoveredBy(s.line, a.geom) THEN 1.0
      ELSE least(1.0, ST_Length(ST_Intersection(s.line, a.geom)) / ST_Length(s.line)) END AS frac) x
  GROUP BY s.district_code, s.day, s.crossing, a.worker_id, a.grid_id
),
pieces AS (
  SELECT t.district_code, t.day, t.crossing, t.worker_id, ST_MakeLine(t.prev_geom, t.geom) AS piece
  FROM patrol_day_track t WHERE t.day = ANY(CAST(:days AS date[])) AND t.dt <= :max_gap
  UNION ALL
  SELECT t.district_code, t.day, false, t.worker_id, t.geom FROM patrol_day_track t
  WHERE t.day = ANY(CAST(:days AS date[])) AND NOT t.crossing AND (t.dt IS NULL OR t.dt > :max_gap) AND (t.next_dt IS NULL OR t.next_dt > :max_gap)
),
near AS (
  SELECT p.district_code, p.day, p.crossing, a.worker_id, a.grid_id, ST_Collect(p.piece) AS track
  FROM pieces p
  JOIN area a ON a.worker_id = p.worker_id AND a.geom && ST_Expand(p.piece, :pad_deg)
  GROUP BY p.district_code, p.day, p.crossing, a.worker_id, a.grid_id
),
projected AS MATERIALIZED (
  SELECT n.district_code, n.day, n.crossing, n.worker_id, n.grid_id, ST_Transform(n.track, cs.proj) AS tm
  FROM near n JOIN patrol_grid_cellset cs ON cs.grid_id = n.grid_id AND cs.cell_m = :cell_m
),
touched AS (
  SELECT p.district_code, p.day, p.crossing, p.worker_id, p.grid_id,
         array_agg(CAST(c.i AS bigint) * 1000000 + c.j ORDER BY c.i, c.j) AS cells
  FROM projected p
  JOIN patrol_grid_cell c ON c.grid_id = p.grid_id AND c.cell_m = :cell_m AND ST_DWithin(p.tm, c.part, :buffer_m)
  GROUP BY p.district_code, p.day, p.crossing, p.worker_id, p.grid_id
)
SELECT coalesce(i.district_code, t.district_code), coalesce(i.day, t.day), coalesce(i.worker_id, t.worker_id), coalesce(i.grid_id, t.grid_id),
       coalesce(i.crossing, t.crossing), coalesce(i.seconds, 0), coalesce(t.cells, '{}')
FROM inside i
FULL JOIN touched t ON t.district_code = i.district_code AND t.day = i.day AND t.crossing = i.crossing AND t.worker_id = i.worker_id
                   AND t.grid_id = i.grid_id
