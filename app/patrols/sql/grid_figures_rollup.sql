-- Figures per grid of one level for the period [:first, :last] (Beijing days)
-- summed from the daily roll-ups (rollup_grid.sql, rollup_places.sql): the
-- columns and definitions of grid_figures.sql, which stays the reference. A
-- crossing row counts when the period holds the day before too (day > :first).
WITH ids AS MATERIALIZED (
  SELECT DISTINCT unnest(CAST(:grid_ids AS integer[])) AS id
),
day_rows AS (
  SELECT d.* FROM patrol_day_grid d
  WHERE d.level = :level AND d.day BETWEEN :first AND :last AND (NOT d.crossing OR d.day > :first)
    AND d.grid_id IN (SELECT id FROM ids)
),
by_grid AS (
  SELECT grid_id, sum(seconds) AS seconds, sum(metres) AS metres FROM day_rows GROUP BY grid_id
),
workers AS (
  SELECT d.grid_id, count(DISTINCT w) AS workers FROM day_rows d CROSS JOIN LATERAL unnest(d.workers) w
  GROUP BY d.grid_id
),
touched AS (
  SELECT d.grid_id, count(DISTINCT c) AS visited FROM day_rows d CROSS JOIN LATERAL unnest(d.cells) c
  GROUP BY d.grid_id
),
-- The places visited in the period as a join, not a correlated EXISTS over patrol_day_place, which
-- Citus refuses; the visits of a place are of its district (rollup_places.sql), one shard.
visited_places AS (
  SELECT DISTINCT v.place_id FROM patrol_day_place v
  WHERE v.district_code = :district_code AND v.day BETWEEN :first AND :last
),
places AS (
  SELECT g.id AS grid_id, count(*) AS total, count(vp.place_id) AS visited
  FROM grid g
  JOIN patrol_place pl ON pl.active AND pl.district_code = :district_code AND ST_Covers(g.geom, pl.geom)
  LEFT JOIN visited_places vp ON vp.place_id = pl.id
  WHERE g.level = :level AND g.id IN (SELECT id FROM ids)
  GROUP BY g.id
)
SELECT g.id, g.code, g.name, g.level, g.parent_code, g.area_m2,
       coalesce(b.seconds, 0) AS seconds, coalesce(b.metres, 0) AS metres, coalesce(wk.workers, 0) AS workers,
       coalesce(t.visited, 0) AS visited_cells, cs.total AS total_cells,
       coalesce(pl.total, 0) AS places, coalesce(pl.visited, 0) AS places_visited,
       EXISTS (SELECT 1 FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
               WHERE a.grid_code = g.code) AS staffed
FROM grid g
LEFT JOIN by_grid b ON b.grid_id = g.id
LEFT JOIN workers wk ON wk.grid_id = g.id
LEFT JOIN touched t ON t.grid_id = g.id
LEFT JOIN patrol_grid_cellset cs ON cs.grid_id = g.id AND cs.cell_m = :cell_m
LEFT JOIN places pl ON pl.grid_id = g.id
WHERE g.id IN (SELECT id FROM ids)
ORDER BY g.code
