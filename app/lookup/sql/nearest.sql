-- The nearest regular leaf grid to a point outside coverage, with the distance in metres.
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
SELECT g.code, g.name, g.level,
       ST_Distance(g.geom::geography, pt.geom::geography) AS distance_m
FROM grid g, pt
WHERE g.kind = 'regular' AND g.is_leaf
  AND (CASE
         WHEN CAST(:draft_id AS integer) IS NOT NULL THEN g.draft_id = :draft_id
         WHEN CAST(:generation AS integer) IS NULL THEN g.generation_high IS NULL AND g.draft_id IS NULL
         ELSE g.draft_id IS NULL AND g.generation_low <= :generation
              AND (g.generation_high IS NULL OR g.generation_high >= :generation)
       END)
ORDER BY g.geom <-> pt.geom
LIMIT 1
