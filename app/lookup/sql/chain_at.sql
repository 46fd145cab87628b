-- The grid a point belongs to in one version, by the documented rule: the
-- finest regular grid that covers it (ST_Covers), lowest code on a shared
-- edge or vertex. Returns its lineage plus every dedicated grid covering it.
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom),
inscope AS (
  SELECT g.* FROM grid g, pt
  WHERE g.geom && pt.geom AND ST_Covers(g.geom, pt.geom)
    AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, CAST(:generation AS integer), CAST(:draft_id AS integer))
)
SELECT
  (SELECT lineage FROM inscope WHERE kind = 'regular'
   ORDER BY cardinality(lineage) DESC, code LIMIT 1) AS lineage,
  (SELECT coalesce(array_agg(id ORDER BY code), '{}') FROM inscope WHERE kind = 'dedicated') AS dedicated
