-- Move validated rows from staging into report, assigned to their grids as they
-- are written (gridmap_report_grids, migration 0028: the rule of assign.sql in
-- one row, so no UPDATE follows the INSERT), listing the new ids in assign_target.
-- A row without a point needs placement by hand (app.addresses.intake) and is
-- not out of coverage; a point no grid covers is out of coverage.
-- Each report takes its category's handling level and time limit as they are
-- now (later edits of the category apply to new events only), and gets the
-- first row of its history: the intake itself. address_id / address_confidence:
-- the standard address a geocoded row matched (app.addresses.intake), else NULL.
-- :now is the event loop's clock (app.events.deadlines.now), the one every later
-- transition is stamped with, so a report's history starts with its intake.
-- updated_at takes clock_timestamp(): it is the live feed's cursor (app.dispatch.feed).
-- district_code: the district of the grid found (issue 19); a point outside every district, or no point,
-- goes to :district_code (the deployment's default district), with no grid. generation: that
-- district's published generation.
WITH ins AS (
  INSERT INTO report (district_code, category, channel, description, address, reporter_name, reporter_phone,
                      location, coord_crs, raw_lon, raw_lat, status, out_of_coverage, needs_placement,
                      grid_id, grid_lineage, dedicated_grid_ids, generation,
                      created_at, updated_at, closed_at, idempotency_key, idempotency_scope, request_hash,
                      handling_level, time_limit, time_unit, media_urls, reporter_email, reporter_device,
                      address_id, address_confidence)
  SELECT d.code, s.category, s.channel, s.description, s.address, s.reporter_name, s.reporter_phone,
         pt.geom, CASE WHEN pt.geom IS NOT NULL THEN s.coord_crs END, s.raw_lon, s.raw_lat, s.status,
         pt.geom IS NOT NULL AND a.grid_id IS NULL, pt.geom IS NULL,
         a.grid_id, coalesce(a.lineage, '{}'), coalesce(a.dedicated, '{}'),
         (SELECT v.generation FROM boundary_version v WHERE v.status = 'published' AND v.district_code = d.code),
         coalesce(s.created_at, CAST(:now AS timestamptz)), clock_timestamp(),
         CASE WHEN s.status IN ('closed', 'cancelled') THEN coalesce(s.created_at, CAST(:now AS timestamptz)) END,
         s.idempotency_key, s.idempotency_scope, s.request_hash,
         coalesce(c.handling_level, 'grid'), c.time_limit, c.time_unit,
         coalesce(s.media_urls, '{}'), s.reporter_email, s.reporter_device,
         s.address_id, s.address_confidence
  FROM report_import_staging s
  CROSS JOIN LATERAL (SELECT CASE WHEN s.lon IS NOT NULL AND s.lat IS NOT NULL
                                  THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) END AS geom) pt
  LEFT JOIN LATERAL gridmap_report_grids(pt.geom) a ON true
  CROSS JOIN LATERAL (SELECT coalesce(a.district_code, CAST(:district_code AS varchar)) AS code) d
  LEFT JOIN category c ON c.code = s.category
  ORDER BY s.row_no
  RETURNING id, district_code, created_at, status, channel
), history AS (
  INSERT INTO report_transition (report_id, district_code, at, actor_id, actor, action, from_state, to_state,
                                 details)
  SELECT id, district_code, created_at, CAST(:actor_id AS integer), :actor, 'report', NULL, status,
         jsonb_build_object('channel', channel)
  FROM ins
)
INSERT INTO assign_target (id) SELECT id FROM ins
RETURNING id
