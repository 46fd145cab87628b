-- One GeoJSON Feature (as text) per grid of a version, with its staff.
-- Version scope (grid_in_version, migrations 0002 and 0008): :draft_id picks a draft (its own rows plus
-- the rows of its base generation :generation it has not ended);
-- :generation a retired generation; both NULL the current published rows (what the partial
-- indexes cover). psycopg2 inlines values, so the planner folds the function.
SELECT json_build_object(
  'type', 'Feature',
  'id', g.code,
  'geometry', ST_AsGeoJSON(
      CASE WHEN CAST(:tolerance AS double precision) IS NULL THEN g.geom
           ELSE ST_SimplifyPreserveTopology(g.geom, :tolerance) END, 6)::json,
  'properties', json_build_object(
      'id', g.id, 'code', g.code, 'name', g.name, 'level', g.level,
      'level_label', CAST(:level_labels AS jsonb) ->> g.level,
      'kind', g.kind, 'parent_code', g.parent_code,
      'households', g.households, 'population', g.population,
      'area_m2', round(g.area_m2::numeric, 1),
      'staffed', s.staff IS NOT NULL,
      'staff', coalesce(s.staff, '[]'::json),
      'worker', s.first_name, 'phone', s.first_phone)
)::text AS feature
FROM grid g
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('name', st.name, 'role', a.role,
                                    'role_label', CAST(:role_labels AS jsonb) ->> a.role,
                                    'phone', st.phone) ORDER BY a.role, st.name) AS staff,
         min(st.name) AS first_name,
         (array_agg(st.phone ORDER BY a.role, st.name))[1] AS first_phone
  FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
  WHERE a.grid_code = g.code
) s ON true
WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
  AND (CAST(:level AS text) IS NULL OR g.level = :level)
  AND (CAST(:kind AS text) IS NULL OR g.kind = :kind)
  AND (CAST(:parent AS text) IS NULL OR g.parent_code = :parent)
  AND (CAST(:code AS text) IS NULL OR g.code = :code)
  AND (CAST(:minx AS double precision) IS NULL
       OR g.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
ORDER BY g.code
LIMIT :limit
