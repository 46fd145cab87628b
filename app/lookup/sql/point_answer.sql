-- Everything a point lookup answers, in one statement (one round trip): the
-- chain of chain_at.sql (gridmap_finest_grid, migration 0023), the dedicated
-- grids covering the point, the regular leaf grids within :radius metres
-- (neighbours.sql's rule) and, for every grid named, its fields and active
-- staff (app.lookup.service.staff_by_code's order: role, then name). With
-- :published_district set, also the fields of the published version of the
-- point's district (its chain's root; :published_district, the default district,
-- for a point outside every district), as v_<field> (app.models.boundary.VERSION_FIELDS),
-- so the hot path (no version asked for) reads its version in the same round trip.
WITH pt AS MATERIALIZED (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom),
chain AS MATERIALIZED (
  SELECT f.lineage FROM pt, gridmap_finest_grid(pt.geom, CAST(:generation AS integer), CAST(:draft_id AS integer)) f
),
dedicated AS MATERIALIZED (
  SELECT coalesce(array_agg(g.id ORDER BY g.code), '{}') AS ids FROM grid g, pt
  WHERE g.kind = 'dedicated' AND g.geom && pt.geom AND ST_Covers(g.geom, pt.geom)
    AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
),
near AS MATERIALIZED (
  SELECT g.id, g.code, ST_Distance(g.geom::geography, pt.geom::geography) AS distance_m
  FROM grid g, pt, chain
  WHERE :radius > 0 AND g.kind = 'regular' AND g.is_leaf AND g.id <> chain.lineage[cardinality(chain.lineage)]
    AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
    -- Degrees box first (cheap, indexed), then a planar test in degrees at least as wide as the
    -- radius (cheap on the polygon), then the exact geodesic distance on the few left.
    AND g.geom && ST_Expand(pt.geom, :degrees)
    AND ST_DWithin(g.geom, pt.geom, :degrees)
    AND ST_DWithin(g.geom::geography, pt.geom::geography, :radius)
  ORDER BY distance_m, g.code
  LIMIT 8
),
named AS (
  SELECT unnest(chain.lineage) AS id FROM chain
  UNION SELECT unnest(dedicated.ids) FROM dedicated
  UNION SELECT near.id FROM near
)
SELECT (SELECT lineage FROM chain) AS lineage,
       (SELECT ids FROM dedicated) AS dedicated,
       (SELECT coalesce(json_agg(json_build_array(near.id, near.distance_m) ORDER BY near.distance_m, near.code), '[]')
        FROM near) AS neighbours,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', g.id, 'code', g.code, 'name', g.name, 'level', g.level, 'kind', g.kind,
                 'households', g.households, 'population', g.population,
                 'staff', (SELECT coalesce(json_agg(json_build_object('name', s.name, 'role', a.role, 'phone', s.phone,
                                                                      'employment', s.employment)
                                                    ORDER BY a.role, s.name), '[]')
                           FROM staff_assignment a JOIN staff s ON s.id = a.staff_id AND s.active
                           WHERE a.grid_code = g.code))), '[]')
        FROM grid g WHERE g.id IN (SELECT id FROM named)) AS grids,
       v.id AS v_id, v.name AS v_name, v.status AS v_status, v.generation AS v_generation,
       v.district_code AS v_district_code, v.note AS v_note, v.author AS v_author,
       v.effective_date AS v_effective_date, v.published_at AS v_published_at, v.scheduled_at AS v_scheduled_at
FROM (SELECT 1) AS one
LEFT JOIN boundary_version v
  ON v.status = 'published'
 AND v.district_code = coalesce((SELECT g.district_code FROM grid g, chain WHERE g.id = chain.lineage[1]),
                                CAST(:published_district AS varchar))
