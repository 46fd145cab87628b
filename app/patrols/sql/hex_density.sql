-- Patrol density as hexagons: accepted fixes of the period counted per cell of
-- the ST_HexagonGrid tiling, all in PostGIS (never the fixes to the browser).
--
-- The plane is Web Mercator (EPSG:3857: metric, conformal -- hexagons stay
-- regular -- and a fast built-in transform, unlike a per-row proj string),
-- with the hexagon size :s = size_m / cos(district latitude), so a cell is
-- size_m metres across an edge at the district's latitude, as the square
-- cells are size_m metres there.
--
-- Each fix goes to the cell whose centre is nearest, computed arithmetically
-- (the ST_HexagonGrid layout: flat-topped, centre of cell (i, j) at
-- x = 1.5 s i, y = h j + (i odd ? h / 2 : 0), h = sqrt(3) s). A point lies
-- between the centres of columns i0 = floor(x / 1.5 s) and i0 + 1; in each
-- column the nearest row is round((y - offset) / h); the nearer of those two
-- centres wins (ties: the lower i). Joining ST_HexagonGrid's cells with
-- ST_Intersects would count a fix on a shared edge twice and costs a spatial
-- join; the cell geometry is ST_Hexagon(s, i, j), the same cell
-- ST_HexagonGrid yields for (i, j). share = count / the busiest cell's count.
SELECT json_build_object(
  'type', 'Feature',
  'geometry', ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_Hexagon(:s, c.i, c.j), 3857), 4326), 6)::json,
  'properties', json_build_object('fixes', c.n, 'share', round(CAST(c.n AS numeric) / max(c.n) OVER (), 4))
)::text AS feature
FROM (
  SELECT CASE WHEN k.d0 <= k.d1 THEN k.i0 ELSE k.i0 + 1 END AS i,
         CASE WHEN k.d0 <= k.d1 THEN k.j0 ELSE k.j1 END AS j,
         count(*) AS n
  FROM (
    SELECT r.i0, r.j0, r.j1,
           (r.x - 1.5 * :s * r.i0) ^ 2 + (r.y - :h * r.j0 - (r.i0 & 1) * :h / 2) ^ 2 AS d0,
           (r.x - 1.5 * :s * (r.i0 + 1)) ^ 2 + (r.y - :h * r.j1 - ((r.i0 + 1) & 1) * :h / 2) ^ 2 AS d1
    FROM (
      SELECT q.x, q.y, q.i0,
             CAST(round((q.y - (q.i0 & 1) * :h / 2) / :h) AS integer) AS j0,
             CAST(round((q.y - ((q.i0 + 1) & 1) * :h / 2) / :h) AS integer) AS j1
      FROM (
        SELECT m.x, m.y, CAST(floor(m.x / (1.5 * :s)) AS integer) AS i0
        FROM (
          SELECT ST_X(p.g) AS x, ST_Y(p.g) AS y
          FROM (
            SELECT ST_Transform(f.geom, 3857) AS g
            FROM patrol_fix f
            WHERE f.time >= :t_from AND f.time < :t_to
              AND (CAST(:workers AS integer[]) IS NULL OR f.worker_id = ANY(CAST(:workers AS integer[])))
              AND (CAST(:minx AS double precision) IS NULL
                   OR f.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
          ) p
        ) m
      ) q
    ) r
  ) k
  GROUP BY 1, 2
) c
ORDER BY c.n DESC, c.i, c.j
LIMIT :limit
