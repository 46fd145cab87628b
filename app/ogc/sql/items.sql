-- One page of an OGC API collection: the number of grids matched and the page's GeoJSON features
-- (as one JSON array text), in code order so offset paging is stable.
-- Version scope as in grids/export_features.sql (grid_in_version, migrations 0002 and 0008: a draft is
-- its own rows plus the rows of its base generation it has not ended); psycopg2 inlines the values,
-- so the NULL branches fold away and the current-version partial indexes still apply.
-- :area is WKT (WGS 84) of the bbox, or NULL; :code picks one feature; :name and :parent_code are the
-- queryables (equality). Geometries come in :srid (4326 as stored, else ST_Transform), with the axes
-- swapped when that CRS puts latitude or northing first (:north_first; app/ogc/crs.py says why), at
-- :digits decimals, without a "crs" member (options 0: the Content-Crs header names it).
WITH matched AS (
  SELECT g.id, g.code
  FROM grid g
  WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
    AND g.kind = :kind
    AND (CAST(:level AS text) IS NULL OR g.level = :level)
    AND (CAST(:code AS text) IS NULL OR g.code = :code)
    AND (CAST(:name AS text) IS NULL OR g.name = :name)
    AND (CAST(:parent_code AS text) IS NULL OR g.parent_code = :parent_code)
    AND (CAST(:area AS text) IS NULL OR ST_Intersects(g.geom, ST_GeomFromText(:area, 4326)))
), page AS (
  SELECT id, code FROM matched ORDER BY code LIMIT :limit OFFSET :offset
)
SELECT
  (SELECT count(*) FROM matched) AS number_matched,
  (SELECT count(*) FROM page) AS number_returned,
  (SELECT coalesce(json_agg(f.feature ORDER BY f.code), '[]'::json)
   FROM (
     SELECT g.code, json_build_object(
       'type', 'Feature',
       'id', g.code,
       'geometry', ST_AsGeoJSON(
          CASE WHEN CAST(:north_first AS boolean) THEN ST_FlipCoordinates(t.geom) ELSE t.geom END,
          CAST(:digits AS integer), 0)::json,
       'properties', json_build_object(
          'code', g.code, 'name', g.name, 'level', g.level, 'kind', g.kind, 'parent_code', g.parent_code,
          'households', g.households, 'population', g.population,
          'area_m2', round(g.area_m2::numeric, 1),
          'workers', s.workers)) AS feature
     FROM page p
     JOIN grid g ON g.id = p.id
     CROSS JOIN LATERAL (
       SELECT CASE WHEN CAST(:srid AS integer) = 4326 THEN g.geom
                   ELSE ST_Transform(g.geom, CAST(:srid AS integer)) END AS geom
     ) t
     LEFT JOIN LATERAL (
       -- Names only, one text field: QGIS shows and filters it like any attribute.
       SELECT string_agg(st.name, '、' ORDER BY a.role, st.name) AS workers
       FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
       WHERE a.grid_code = g.code
     ) s ON true
   ) f)::text AS features
