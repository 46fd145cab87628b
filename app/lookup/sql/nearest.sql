-- The nearest regular leaf grid to a point outside coverage, with the distance in metres.
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
SELECT g.code, g.name, g.level,
       ST_Distance(g.geom::geography, pt.geom::geography) AS distance_m
FROM grid g, pt
WHERE g.kind = 'regular' AND g.is_leaf
  AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
ORDER BY g.geom <-> pt.geom
LIMIT 1
