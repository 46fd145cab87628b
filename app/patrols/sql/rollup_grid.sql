-- Daily roll-up per grid of one level (scope = the level) from patrol_day_track
-- (rollup_track.sql): the time, distance, workers and visited cells of
-- grid_figures.sql for each day, the crossing segments apart. Workers and
-- cells are arrays: a period counts their union.
DELETE FROM patrol_day_grid WHERE level = :level AND day = ANY(CAST(:days AS date[]))
-- ;;
INSERT INTO patrol_day_grid (district_code, day, level, grid_id, crossing, seconds, metres, workers, cells)
WITH seg AS (
  SELECT t.day, t.crossing, t.worker_id, t.dt, t.prev_geom AS p0, ST_MakeLine(t.prev_geom, t.geom) AS line
  FROM patrol_day_track t
  WHERE t.day = ANY(CAST(:days AS date[])) AND t.dt <= :max_gap
),
inside AS (
  SELECT s.day, s.crossing, g.id AS grid_id, g.district_code, s.worker_id, s.dt * x.frac AS seconds,
         ST_Length(CAST(s.line AS geography)) * x.frac AS metres
  FROM seg s
  JOIN grid_current g ON g.geom && s.line AND g.level = :level AND g.kind = 'regular'
  CROSS JOIN LATERAL (SELECT CASE
      WHEN ST_Length(s.line) = 0 THEN CASE WHEN ST_Covers(g.geom, s.p0) THEN 1.0 ELSE 0.0 END
      WHEN ST_CoveredBy(s.line, g.geom) THEN 1.0
      ELSE least(1.0, ST_Length(ST_Intersection(s.line, g.geom)) / ST_Length(s.line)) END AS frac) x
  WHERE ST_Intersects(g.geom, s.line)
),
by_grid AS (
  SELECT day, crossing, grid_id, district_code, sum(seconds) AS seconds, sum(metres) AS metres,
         coalesce(array_agg(DISTINCT worker_id) FILTER (WHERE seconds > 0), '{}') AS workers
  FROM inside GROUP BY day, crossing, grid_id, district_code
),
pieces AS (
  SELECT t.day, t.crossing, ST_MakeLine(t.prev_geom, t.geom) AS piece FROM patrol_day_track t WHERE t.day = ANY(CAST(:days AS date[])) AND t.dt <= :max_gap
  UNION ALL
  SELECT t.day, false, t.geom FROM patrol_day_track t
  WHERE t.day = ANY(CAST(:days AS date[])) AND NOT t.crossing AND (t.dt IS NULL OR t.dt > :max_gap) AND (t.next_dt IS NULL OR t.next_dt > :max_gap)
),
near AS (
  SELECT p.day, p.crossing, g.id AS grid_id, g.district_code, ST_Collect(p.piece) AS track
  FROM pieces p
  JOIN grid_current g ON g.geom && ST_Expand(p.piece, :pad_deg) AND g.level = :level AND g.kind = 'regular'
  GROUP BY p.day, p.crossing, g.id, g.district_code
),
projected AS MATERIALIZED (
  SELECT n.day, n.crossing, n.grid_id, n.district_code, ST_Transform(n.track, cs.proj) AS tm
  FROM near n JOIN patrol_grid_cellset cs ON cs.grid_id = n.grid_id AND cs.cell_m = :cell_m
),
touched AS (
  SELECT p.day, p.crossing, p.grid_id, p.district_code, array_agg(CAST(c.i AS bigint) * 1000000 + c.j ORDER BY c.i, c.j) AS cells
  FROM projected p
  JOIN patrol_grid_cell c ON c.grid_id = p.grid_id AND c.cell_m = :cell_m AND ST_DWithin(p.tm, c.part, :buffer_m)
  GROUP BY p.day, p.crossing, p.grid_id, p.district_code
)
SELECT coalesce(b.district_code, t.district_code), coalesce(b.day, t.day), :level, coalesce(b.grid_id, t.grid_id), coalesce(b.crossing, t.crossing),
       coalesce(b.seconds, 0), coalesce(b.metres, 0), coalesce(b.workers, '{}'), coalesce(t.cells, '{}')
FROM by_grid b
FULL JOIN touched t ON t.day = b.day AND t.crossing = b.crossing AND t.grid_id = b.grid_id
