-- Figures per grid for the period held in patrol_track / patrol_place_visit
-- (track_fill.sql), for the grids grid_ids (current grids of one level). Definitions: geo/patrol/.
--
-- seconds   sum over patrol segments (consecutive fixes of one worker,
--           0 < dt <= max_gap) of dt * (segment length inside the grid,
--           boundary included) / (segment length), planar lon/lat as in
--           geo.patrol.time_inside; the time of every worker is added up.
-- metres    the same share of each segment's geodesic (spheroid) length.
-- visited   cells (cells_fill.sql) within buffer_m of any worker's track:
--           the segments plus fixes that belong to no segment, projected
--           with the grid's own projection (geo.patrol.visited_cells).
-- places    active key places the grid covers; visited: >= 1 visit.
WITH ids AS MATERIALIZED (
  -- The grids as a set: membership tests below hash instead of scanning an array.
  SELECT DISTINCT unnest(CAST(:grid_ids AS integer[])) AS id
),
seg AS (
  SELECT t.worker_id, t.dt, t.prev_geom AS p0, t.geom AS p1, ST_MakeLine(t.prev_geom, t.geom) AS line
  FROM patrol_track t
  WHERE t.dt <= :max_gap
),
inside AS (
  SELECT g.id AS grid_id, s.worker_id, s.dt * x.frac AS seconds,
         ST_Length(CAST(s.line AS geography)) * x.frac AS metres
  FROM seg s
  -- The level test runs in the index scan, before any geometry is compared.
  JOIN grid_current g ON g.geom && s.line AND g.level = :level AND g.id IN (SELECT id FROM ids)
  CROSS JOIN LATERAL (SELECT CASE
      WHEN ST_Length(s.line) = 0 THEN CASE WHEN ST_Covers(g.geom, s.p0) THEN 1.0 ELSE 0.0 END
      WHEN ST_CoveredBy(s.line, g.geom) THEN 1.0
      ELSE least(1.0, ST_Length(ST_Intersection(s.line, g.geom)) / ST_Length(s.line)) END AS frac) x
  WHERE ST_Intersects(g.geom, s.line)
),
by_grid AS (
  SELECT grid_id, sum(seconds) AS seconds, sum(metres) AS metres,
         count(DISTINCT worker_id) FILTER (WHERE seconds > 0) AS workers
  FROM inside GROUP BY grid_id
),
pieces AS (
  SELECT t.worker_id, ST_MakeLine(t.prev_geom, t.geom) AS piece FROM patrol_track t WHERE t.dt <= :max_gap
  UNION ALL
  SELECT t.worker_id, t.geom FROM patrol_track t
  WHERE (t.dt IS NULL OR t.dt > :max_gap) AND (t.next_dt IS NULL OR t.next_dt > :max_gap)
),
near AS (
  -- pad_deg (>= buffer_m in degrees) keeps pieces just outside the boundary in play.
  SELECT g.id AS grid_id, ST_Collect(p.piece) AS track
  FROM pieces p
  JOIN grid_current g ON g.geom && ST_Expand(p.piece, :pad_deg) AND g.level = :level
                     AND g.id IN (SELECT id FROM ids)
  GROUP BY g.id
),
projected AS MATERIALIZED (
  SELECT n.grid_id, ST_Transform(n.track, cs.proj) AS tm
  FROM near n JOIN patrol_grid_cellset cs ON cs.grid_id = n.grid_id AND cs.cell_m = :cell_m
),
touched AS (
  SELECT p.grid_id, count(*) AS visited
  FROM projected p
  JOIN patrol_grid_cell c ON c.grid_id = p.grid_id AND c.cell_m = :cell_m AND ST_DWithin(p.tm, c.part, :buffer_m)
  GROUP BY p.grid_id
),
places AS (
  SELECT g.id AS grid_id, count(*) AS total,
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM patrol_place_visit v WHERE v.place_id = pl.id)) AS visited
  FROM grid g
  JOIN patrol_place pl ON pl.active AND pl.district_code = :district_code AND ST_Covers(g.geom, pl.geom)
  WHERE g.level = :level AND g.id IN (SELECT id FROM ids)
  GROUP BY g.id
)
SELECT g.id, g.code, g.name, g.level, g.parent_code, g.area_m2,
       coalesce(b.seconds, 0) AS seconds, coalesce(b.metres, 0) AS metres, coalesce(b.workers, 0) AS workers,
       coalesce(t.visited, 0) AS visited_cells, cs.total AS total_cells,
       coalesce(pl.total, 0) AS places, coalesce(pl.visited, 0) AS places_visited,
       EXISTS (SELECT 1 FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
               WHERE a.grid_code = g.code) AS staffed
FROM grid g
LEFT JOIN by_grid b ON b.grid_id = g.id
LEFT JOIN touched t ON t.grid_id = g.id
LEFT JOIN patrol_grid_cellset cs ON cs.grid_id = g.id AND cs.cell_m = :cell_m
LEFT JOIN places pl ON pl.grid_id = g.id
WHERE g.id IN (SELECT id FROM ids)
ORDER BY g.code
