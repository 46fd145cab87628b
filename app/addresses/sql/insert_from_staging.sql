-- Move validated rows from staging into one district's library (parameter district_code): one row
-- per normalised key and district, assigned to its grid as it is written (gridmap_report_grids,
-- migration 0028: the rule of assign.sql in one row, so no UPDATE follows). A key
-- already in the library is updated (a corrected file imported again fixes points
-- and spellings instead of failing), and every stored id is listed in
-- address_assign_target, placed when a grid covers it. An address belongs to the district of its
-- grid (issue 19): a row whose point lies in another district's grids is not stored but listed in
-- address_import_elsewhere (the caller reads it as row errors, then drops it); a point outside every
-- district is stored in this district, outside coverage.
-- Plain statements over temporary tables, not a data-modifying CTE around the upsert, which Citus
-- cannot run on a distributed table: the rows are worked out first (the grid functions run on the
-- coordinator, next to its copy of the grids), the keys already stored noted, then upserted.
CREATE TEMP TABLE address_import_row ON COMMIT DROP AS
  SELECT s.row_no, d.code AS district_code, s.district, s.subdistrict, s.community, s.road, s.number, s.compound,
         s.building, s.unit, s.full_text, s.norm_key, pt.geom, s.source, hit.grid_id, g.code AS grid_code,
         (SELECT v.generation FROM boundary_version v WHERE v.status = 'published' AND v.district_code = d.code)
           AS generation
  FROM address_import_staging s
  CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom) pt
  LEFT JOIN LATERAL gridmap_report_grids(pt.geom) hit ON true
  LEFT JOIN grid g ON g.id = hit.grid_id
  CROSS JOIN LATERAL (SELECT coalesce(hit.district_code, CAST(:district_code AS varchar)) AS code) d
-- ;;
CREATE TEMP TABLE address_import_elsewhere ON COMMIT DROP AS
  SELECT row_no, district_code FROM address_import_row WHERE district_code <> CAST(:district_code AS varchar)
-- ;;
DELETE FROM address_import_row WHERE district_code <> CAST(:district_code AS varchar)
-- ;;
CREATE TEMP TABLE address_import_old ON COMMIT DROP AS
  SELECT a.id FROM standard_address a
  JOIN address_import_row r ON r.district_code = a.district_code AND r.norm_key = a.norm_key
-- ;;
-- updated_at = EXCLUDED.updated_at (the statement's now()): Citus refuses functions that are not
-- immutable in DO UPDATE SET.
INSERT INTO standard_address AS a (district_code, district, subdistrict, community, road, number, compound,
                                   building, unit, full_text, norm_key, location, source, created_at, updated_at,
                                   grid_id, grid_code, generation, out_of_coverage)
SELECT r.district_code, r.district, r.subdistrict, r.community, r.road, r.number, r.compound,
       r.building, r.unit, r.full_text, r.norm_key, r.geom, r.source,
       now(), now(), r.grid_id, r.grid_code, r.generation, r.grid_id IS NULL
FROM address_import_row r
ORDER BY r.row_no
ON CONFLICT ON CONSTRAINT uq_standard_address_key DO UPDATE SET
  district = coalesce(EXCLUDED.district, a.district),
  subdistrict = coalesce(EXCLUDED.subdistrict, a.subdistrict),
  community = coalesce(EXCLUDED.community, a.community),
  road = EXCLUDED.road, number = EXCLUDED.number, compound = EXCLUDED.compound,
  building = EXCLUDED.building, unit = EXCLUDED.unit, full_text = EXCLUDED.full_text,
  location = EXCLUDED.location, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at,
  grid_id = EXCLUDED.grid_id, grid_code = EXCLUDED.grid_code, generation = EXCLUDED.generation,
  out_of_coverage = EXCLUDED.out_of_coverage
-- ;;
INSERT INTO address_assign_target (id, created, placed)
SELECT a.id, o.id IS NULL, a.grid_id IS NOT NULL
FROM address_import_row r
JOIN standard_address a ON a.district_code = r.district_code AND a.norm_key = r.norm_key
LEFT JOIN address_import_old o ON o.id = a.id
-- ;;
DROP TABLE address_import_row, address_import_old
