-- Move validated rows from staging into the library: one row per normalised
-- key and district, assigned to its grid as it is written (gridmap_report_grids,
-- migration 0028: the rule of assign.sql in one row, so no UPDATE follows). A key
-- already in the library is updated (a corrected file imported again fixes points
-- and spellings instead of failing), and every stored id is listed in
-- address_assign_target, placed when a grid covers it. An address belongs to the district of its
-- grid (issue 19); outside every district to :district_code, the default.
WITH up AS (
  INSERT INTO standard_address AS a (district_code, district, subdistrict, community, road, number, compound,
                                     building, unit, full_text, norm_key, location, source, created_at, updated_at,
                                     grid_id, grid_code, generation, out_of_coverage)
  SELECT d.code, s.district, s.subdistrict, s.community, s.road, s.number, s.compound,
         s.building, s.unit, s.full_text, s.norm_key, pt.geom, s.source,
         now(), now(), hit.grid_id, g.code,
         (SELECT v.generation FROM boundary_version v WHERE v.status = 'published' AND v.district_code = d.code),
         hit.grid_id IS NULL
  FROM address_import_staging s
  CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom) pt
  LEFT JOIN LATERAL gridmap_report_grids(pt.geom) hit ON true
  LEFT JOIN grid g ON g.id = hit.grid_id
  CROSS JOIN LATERAL (SELECT coalesce(hit.district_code, CAST(:district_code AS varchar)) AS code) d
  ORDER BY s.row_no
  ON CONFLICT ON CONSTRAINT uq_standard_address_key DO UPDATE SET
    district = coalesce(EXCLUDED.district, a.district),
    subdistrict = coalesce(EXCLUDED.subdistrict, a.subdistrict),
    community = coalesce(EXCLUDED.community, a.community),
    road = EXCLUDED.road, number = EXCLUDED.number, compound = EXCLUDED.compound,
    building = EXCLUDED.building, unit = EXCLUDED.unit, full_text = EXCLUDED.full_text,
    location = EXCLUDED.location, source = EXCLUDED.source, updated_at = now(),
    grid_id = EXCLUDED.grid_id, grid_code = EXCLUDED.grid_code, generation = EXCLUDED.generation,
    out_of_coverage = EXCLUDED.out_of_coverage
  RETURNING a.id, (a.xmax = 0) AS created, a.grid_id IS NOT NULL AS placed
)
INSERT INTO address_assign_target (id, created, placed) SELECT id, created, placed FROM up
