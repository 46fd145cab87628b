-- Move validated rows from staging into report, assigned to their grids as they
-- are written (gridmap_report_grids, migration 0028: the rule of assign.sql in
-- one row, so no UPDATE follows the INSERT). The rows written stay in the temporary table
-- report_intake until the commit, for the caller to count or read back.
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
-- Several statements (one call): the rows are worked out first in a temporary table (grids, category,
-- ids in row order), then written to report and its history. On Citus (docs/scale.md)
-- the first runs on the coordinator next to its copy of the grids, and each write is a plain
-- INSERT ... SELECT from it: Citus cannot run data-modifying CTEs over distributed tables.
-- The temporary table lives as long as the connection and is emptied before use (app/bulk.py, on
-- staging tables): creating and dropping it in every intake cost more than the intake's own work, and
-- numbering the rows in the same INSERT (the ordered subquery first, then nextval over it)
-- saves the UPDATE that gave them their ids.
CREATE TEMP TABLE IF NOT EXISTS report_intake (
  id bigint, row_no integer, district_code varchar(6), category text, channel text, description text,
  address text, reporter_name text, reporter_phone text, location geometry(Point, 4326), coord_crs text,
  raw_lon double precision, raw_lat double precision, status text, out_of_coverage boolean,
  needs_placement boolean, grid_id integer, grid_lineage integer[], dedicated_grid_ids integer[],
  generation integer, created_at timestamptz, closed_at timestamptz, idempotency_key text,
  idempotency_scope text, request_hash text, handling_level text, time_limit numeric(7, 2), time_unit text,
  media_urls text[], reporter_email text, reporter_device text, address_id bigint,
  address_confidence numeric(5, 4));
DELETE FROM report_intake;
INSERT INTO report_intake
SELECT nextval(pg_get_serial_sequence('report', 'id')), w.*
FROM (
  SELECT s.row_no, d.code AS district_code,
         s.category, s.channel, s.description, s.address, s.reporter_name, s.reporter_phone,
         pt.geom AS location, CASE WHEN pt.geom IS NOT NULL THEN s.coord_crs END AS coord_crs,
         s.raw_lon, s.raw_lat, s.status,
         pt.geom IS NOT NULL AND a.grid_id IS NULL AS out_of_coverage, pt.geom IS NULL AS needs_placement,
         a.grid_id, coalesce(a.lineage, '{}') AS grid_lineage, coalesce(a.dedicated, '{}') AS dedicated_grid_ids,
         (SELECT v.generation FROM boundary_version v WHERE v.status = 'published' AND v.district_code = d.code)
           AS generation,
         coalesce(s.created_at, CAST(:now AS timestamptz)) AS created_at,
         CASE WHEN s.status IN ('closed', 'cancelled') THEN coalesce(s.created_at, CAST(:now AS timestamptz))
         END AS closed_at,
         s.idempotency_key, s.idempotency_scope, s.request_hash,
         coalesce(c.handling_level, 'grid') AS handling_level, c.time_limit, c.time_unit,
         coalesce(s.media_urls, '{}') AS media_urls, s.reporter_email, s.reporter_device,
         s.address_id, s.address_confidence
  FROM report_import_staging s
  CROSS JOIN LATERAL (SELECT CASE WHEN s.lon IS NOT NULL AND s.lat IS NOT NULL
                                  THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) END AS geom) pt
  LEFT JOIN LATERAL gridmap_report_grids(pt.geom) a ON true
  CROSS JOIN LATERAL (SELECT CAST(coalesce(a.district_code, CAST(:district_code AS varchar)) AS varchar(6)) AS code) d
  LEFT JOIN category c ON c.code = s.category
  -- OFFSET 0: sorted before the outer SELECT numbers the rows, so ids follow the rows' order.
  ORDER BY s.row_no OFFSET 0
) w;
INSERT INTO report (id, district_code, category, channel, description, address, reporter_name, reporter_phone,
                    location, coord_crs, raw_lon, raw_lat, status, out_of_coverage, needs_placement,
                    grid_id, grid_lineage, dedicated_grid_ids, generation,
                    created_at, updated_at, closed_at, idempotency_key, idempotency_scope, request_hash,
                    handling_level, time_limit, time_unit, media_urls, reporter_email, reporter_device,
                    address_id, address_confidence)
SELECT id, district_code, category, channel, description, address, reporter_name, reporter_phone,
       location, coord_crs, raw_lon, raw_lat, status, out_of_coverage, needs_placement,
       grid_id, grid_lineage, dedicated_grid_ids, generation,
       created_at, clock_timestamp(), closed_at, idempotency_key, idempotency_scope, request_hash,
       handling_level, time_limit, time_unit, media_urls, reporter_email, reporter_device,
       address_id, address_confidence
FROM report_intake ORDER BY row_no;
INSERT INTO report_transition (report_id, district_code, at, actor_id, actor, action, from_state, to_state, details)
SELECT id, district_code, created_at, CAST(:actor_id AS integer), :actor, 'report', NULL, status,
       jsonb_build_object('channel', channel)
FROM report_intake ORDER BY row_no
