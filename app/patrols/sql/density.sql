-- Patrol density: accepted fixes of the period counted per square cell, all in
-- PostGIS (never the fixes themselves to the browser). Cells are dx x dy
-- degrees -- size_m metres at the district's latitude -- centred on the grid
-- points ST_SnapToGrid rounds to. share = count / the busiest cell's count.
SELECT json_build_object(
  'type', 'Feature',
  'geometry', ST_AsGeoJSON(ST_MakeEnvelope(c.x - :dx / 2, c.y - :dy / 2, c.x + :dx / 2, c.y + :dy / 2, 4326), 6)::json,
  'properties', json_build_object('fixes', c.n, 'share', round(CAST(c.n AS numeric) / max(c.n) OVER (), 4))
)::text AS feature
FROM (
  SELECT ST_X(s.cell) AS x, ST_Y(s.cell) AS y, count(*) AS n
  FROM (
    SELECT ST_SnapToGrid(f.geom, 0, 0, :dx, :dy) AS cell
    FROM patrol_fix f
    WHERE f.time >= :t_from AND f.time < :t_to
      AND (CAST(:workers AS integer[]) IS NULL OR f.worker_id = ANY(CAST(:workers AS integer[])))
      AND (CAST(:minx AS double precision) IS NULL
           OR f.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
  ) s
  GROUP BY 1, 2
) c
ORDER BY c.n DESC, c.x, c.y
LIMIT :limit
