-- The grid a point belongs to in one version, by the documented rule: the
-- finest regular grid that covers it (ST_Covers), lowest code on a shared
-- edge or vertex. Returns its lineage plus every dedicated grid covering it.
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom),
inscope AS (
  SELECT g.* FROM grid g, pt
  WHERE g.geom && pt.geom AND ST_Covers(g.geom, pt.geom)
    AND (CASE
           WHEN CAST(:draft_id AS integer) IS NOT NULL THEN g.draft_id = :draft_id
           WHEN CAST(:generation AS integer) IS NULL THEN g.generation_high IS NULL AND g.draft_id IS NULL
           ELSE g.draft_id IS NULL AND g.generation_low <= :generation
                AND (g.generation_high IS NULL OR g.generation_high >= :generation)
         END)
)
SELECT
  (SELECT lineage FROM inscope WHERE kind = 'regular'
   ORDER BY cardinality(lineage) DESC, code LIMIT 1) AS lineage,
  (SELECT coalesce(array_agg(id ORDER BY code), '{}') FROM inscope WHERE kind = 'dedicated') AS dedicated
