-- One grid of a version by its code, with a point inside it (for the map and the answer).
SELECT g.id, g.kind, g.lineage, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
FROM grid g
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(g.geom) AS geom) p
WHERE g.code = :code
  AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
ORDER BY g.id DESC
LIMIT 1
