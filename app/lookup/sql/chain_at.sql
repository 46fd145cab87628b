-- The grid a point belongs to in one version, by the documented rule
-- (gridmap_finest_grid, migration 0023: the finest regular grid that covers
-- it, lowest code on a shared edge or vertex). Returns its lineage plus every
-- dedicated grid covering it.
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom)
SELECT
  (SELECT f.lineage FROM gridmap_finest_grid(pt.geom, CAST(:generation AS integer), CAST(:draft_id AS integer)) f)
    AS lineage,
  (SELECT coalesce(array_agg(g.id ORDER BY g.code), '{}') FROM grid g
   WHERE g.kind = 'dedicated' AND ST_Covers(g.geom, pt.geom)
     AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                         CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))) AS dedicated
FROM pt
