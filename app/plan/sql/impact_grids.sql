-- Grids that differ between version A (a_generation, a_draft_id) and version B (b_ likewise),
-- matched by code. Rows both versions share (same id) are skipped at once; copies with the same
-- shape and attributes (a draft's copy-on-write of a child) are "same" and dropped.
-- Areas are geodesic (geography), overlays in the stored plane.
-- Both versions are one district's (:district_code): only its rows are compared.
WITH a AS (
  SELECT g.* FROM grid g
  WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:a_generation AS integer), CAST(:a_draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
), b AS (
  SELECT g.* FROM grid g
  WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:b_generation AS integer), CAST(:b_draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
), pairs AS (
  SELECT coalesce(b.code, a.code) AS code, coalesce(b.level, a.level) AS level, coalesce(b.kind, a.kind) AS kind,
         a.id AS a_id, b.id AS b_id, a.name AS a_name, b.name AS b_name, a.geom AS a_geom, b.geom AS b_geom,
         a.households AS a_households, b.households AS b_households,
         a.population AS a_population, b.population AS b_population,
         a.area_m2 AS a_area, b.area_m2 AS b_area, a.is_leaf AS a_leaf, b.predecessors AS b_predecessors,
         a.parent_code AS a_parent, b.parent_code AS b_parent
  FROM a FULL JOIN b ON a.code = b.code
  WHERE a.id IS DISTINCT FROM b.id
), classified AS (
  SELECT p.*,
         CASE WHEN a_id IS NULL THEN 'added' WHEN b_id IS NULL THEN 'removed'
              WHEN NOT ST_Equals(a_geom, b_geom) THEN 'reshaped'
              WHEN a_name IS DISTINCT FROM b_name OR a_households IS DISTINCT FROM b_households
                   OR a_population IS DISTINCT FROM b_population THEN 'attributes'
              ELSE 'same' END AS change
  FROM pairs p
)
SELECT code, level, kind, change, a_name, b_name, a_households, b_households, a_population, b_population,
       a_parent, b_parent, b_predecessors, coalesce(a_leaf, false) AS a_leaf,
       round(coalesce(a_area, 0)::numeric, 1) AS area_before_m2, round(coalesce(b_area, 0)::numeric, 1) AS area_after_m2,
       round(CASE change WHEN 'added' THEN b_area WHEN 'reshaped' THEN ST_Area(ST_Difference(b_geom, a_geom)::geography)
                         ELSE 0 END::numeric, 1) AS area_gained_m2,
       round(CASE change WHEN 'removed' THEN a_area WHEN 'reshaped' THEN ST_Area(ST_Difference(a_geom, b_geom)::geography)
                         ELSE 0 END::numeric, 1) AS area_lost_m2,
       CASE WHEN CAST(:with_geometry AS boolean) THEN ST_AsGeoJSON(a_geom, 7) END AS a_geojson,
       CASE WHEN CAST(:with_geometry AS boolean) THEN ST_AsGeoJSON(b_geom, 7) END AS b_geojson
FROM classified
WHERE change <> 'same'
ORDER BY code
