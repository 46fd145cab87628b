-- Move validated rows from staging into report, listing the new ids for assignment.
-- out_of_coverage starts true: assignment clears it for every point it places.
WITH ins AS (
  INSERT INTO report (district_code, category, channel, description, address, reporter_name, reporter_phone,
                      location, coord_crs, raw_lon, raw_lat, status, out_of_coverage,
                      created_at, updated_at, closed_at, idempotency_key, request_hash)
  SELECT :district_code, s.category, s.channel, s.description, s.address, s.reporter_name, s.reporter_phone,
         ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.coord_crs, s.raw_lon, s.raw_lat, s.status, true,
         coalesce(s.created_at, now()), now(),
         CASE WHEN s.status IN ('closed', 'cancelled') THEN coalesce(s.created_at, now()) END,
         s.idempotency_key, s.request_hash
  FROM report_import_staging s
  ORDER BY s.row_no
  RETURNING id
)
INSERT INTO assign_target (id) SELECT id FROM ins
