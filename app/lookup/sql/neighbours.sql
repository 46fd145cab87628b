-- Regular leaf grids other than :grid_id within :radius metres of a point,
-- nearest first: a point that close to a boundary may really belong next door
-- (GPS error, a building on the line), so the lookup names the neighbours too.
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
SELECT g.id, ST_Distance(g.geom::geography, pt.geom::geography) AS distance_m
FROM grid g, pt
WHERE g.kind = 'regular' AND g.is_leaf AND g.id <> :grid_id
  AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, CAST(:generation AS integer), CAST(:draft_id AS integer))
  -- Degrees box first (cheap, indexed), then the exact geodesic distance.
  AND g.geom && ST_Expand(pt.geom, :degrees)
  AND ST_DWithin(g.geom::geography, pt.geom::geography, :radius)
ORDER BY distance_m, g.code
LIMIT 8
