-- Move one event and its whole history to another district (app.events.transfer), in the caller's
-- transaction. district_code is the distribution column (Citus): it cannot be UPDATEd, so the rows
-- are copied aside, deleted under the old code and inserted again under the new one, keeping the
-- id, the ticket and every history row. The event's grids become those of its point in the new
-- district's current boundaries, or none (the district's dispatcher places or dispatches it); the
-- assignee, a worker of the old district, is cleared. Events merged into it keep their link when the
-- key allows (the foreign key is (district_code, duplicate_of)): those of the new district; an old
-- district's duplicate loses it (its merge history row keeps duplicate_of_id). Photos are linked by
-- URL (report_photo by token), not by the report's key, and stay where they were uploaded.
-- :id, :from_district, :to_district, :clock (app.dbclock.clock_timestamp()).
CREATE TEMP TABLE gm_move_report ON COMMIT DROP AS
  SELECT * FROM report WHERE id = :id AND district_code = :from_district
-- ;;
CREATE TEMP TABLE gm_move_transition ON COMMIT DROP AS
  SELECT * FROM report_transition WHERE report_id = :id AND district_code = :from_district
-- ;;
CREATE TEMP TABLE gm_move_duplicates ON COMMIT DROP AS
  SELECT id, district_code FROM report WHERE duplicate_of = :id
-- ;;
UPDATE gm_move_report m
SET district_code = :to_district,
    assignee_id = NULL,
    grid_id = CASE WHEN a.ok THEN a.grid_id END,
    grid_lineage = CASE WHEN a.ok THEN a.lineage ELSE '{}' END,
    dedicated_grid_ids = CASE WHEN a.ok THEN a.dedicated ELSE '{}' END,
    current_grid_id = NULL, current_lineage = NULL, current_dedicated_ids = NULL, current_generation = NULL,
    row_version = m.row_version + 1,
    -- The database clock (app.dbclock, read first: Citus refuses a volatile function here): updated_at
    -- is the live feed's cursor (app.dispatch.feed).
    updated_at = CAST(:clock AS timestamptz)
FROM (
  SELECT r.id, x.grid_id, x.lineage, x.dedicated,
         coalesce(g.district_code = :to_district, false) AS ok
  FROM gm_move_report r
  LEFT JOIN LATERAL gridmap_report_grids(r.location) x ON true
  LEFT JOIN grid g ON g.id = x.grid_id
) a
WHERE a.id = m.id
-- ;;
UPDATE gm_move_transition SET district_code = :to_district
-- ;;
-- The history goes with the report (ON DELETE CASCADE); the duplicates' links are restored below.
DELETE FROM report WHERE id = :id AND district_code = :from_district
-- ;;
INSERT INTO report SELECT * FROM gm_move_report
-- ;;
INSERT INTO report_transition SELECT * FROM gm_move_transition
-- ;;
UPDATE report r SET duplicate_of = :id
FROM gm_move_duplicates d WHERE r.id = d.id AND r.district_code = d.district_code AND d.district_code = :to_district
-- ;;
DROP TABLE gm_move_report, gm_move_transition, gm_move_duplicates
