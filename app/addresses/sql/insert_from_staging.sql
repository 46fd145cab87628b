-- Move validated rows from staging into the library: one row per normalised
-- key and district. A key already in the library is updated (a corrected
-- file imported again fixes points and spellings instead of failing), and
-- every stored id is listed in address_assign_target for assignment.
WITH up AS (
  INSERT INTO standard_address AS a (district_code, district, subdistrict, community, road, number, compound,
                                     building, unit, full_text, norm_key, location, source, created_at, updated_at)
  SELECT :district_code, s.district, s.subdistrict, s.community, s.road, s.number, s.compound,
         s.building, s.unit, s.full_text, s.norm_key, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.source,
         now(), now()
  FROM address_import_staging s
  ORDER BY s.row_no
  ON CONFLICT ON CONSTRAINT uq_standard_address_key DO UPDATE SET
    district = coalesce(EXCLUDED.district, a.district),
    subdistrict = coalesce(EXCLUDED.subdistrict, a.subdistrict),
    community = coalesce(EXCLUDED.community, a.community),
    road = EXCLUDED.road, number = EXCLUDED.number, compound = EXCLUDED.compound,
    building = EXCLUDED.building, unit = EXCLUDED.unit, full_text = EXCLUDED.full_text,
    location = EXCLUDED.location, source = EXCLUDED.source, updated_at = now()
  RETURNING a.id, (a.xmax = 0) AS created
)
INSERT INTO address_assign_target (id, created) SELECT id, created FROM up
