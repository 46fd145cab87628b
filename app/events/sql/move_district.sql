-- Move one event and its whole history to another district (app.events.transfer), in the caller's
-- transaction. district_code is the distribution column (Citus): it cannot be UPDATEd, so the rows
-- are copied aside, deleted under the old code and inserted again under the new one, keeping the
-- id, the ticket and every history row. The event's grids become those of its point in the new
-- district's current boundaries, or none (the district's dispatcher places or dispatches it; a point
-- no grid of the new district covers is out of coverage); the assignee, a worker of the old district,
-- is cleared. The events merged into it (duplicate_of = :id; a merge joins one district's events only)
-- move with it, so their link, a key (district_code, duplicate_of), holds: each gets a history row
-- "transfer" of kind "with_event" naming the event it followed. Photos are linked by URL
-- (report_photo by token), not by the report's key, and stay where they were uploaded.
-- :id, :from_district, :to_district, :at, :actor_id, :actor, :ticket,
-- :clock (app.dbclock.clock_timestamp()).
CREATE TEMP TABLE gm_move_report ON COMMIT DROP AS
  SELECT * FROM report
  WHERE district_code = :from_district AND (id = :id OR duplicate_of = :id)
-- ;;
CREATE TEMP TABLE gm_move_transition ON COMMIT DROP AS
  SELECT * FROM report_transition
  WHERE district_code = :from_district AND report_id IN (SELECT id FROM gm_move_report)
-- ;;
UPDATE gm_move_report m
SET district_code = :to_district,
    assignee_id = NULL,
    grid_id = CASE WHEN a.ok THEN a.grid_id END,
    grid_lineage = CASE WHEN a.ok THEN a.lineage ELSE '{}' END,
    dedicated_grid_ids = CASE WHEN a.ok THEN a.dedicated ELSE '{}' END,
    generation = (SELECT v.generation FROM boundary_version v
                  WHERE v.status = 'published' AND v.district_code = :to_district),
    out_of_coverage = m.location IS NOT NULL AND NOT a.ok,
    -- In its new district the publication's flag (migration 0036) no longer holds.
    outside_district = false, point_district = NULL,
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
-- The duplicates first (their key points at the event), then the event; the history goes with each
-- report (ON DELETE CASCADE).
DELETE FROM report WHERE district_code = :from_district AND duplicate_of = :id
-- ;;
DELETE FROM report WHERE district_code = :from_district AND id = :id
-- ;;
INSERT INTO report SELECT * FROM gm_move_report ORDER BY (id <> :id)
-- ;;
INSERT INTO report_transition SELECT * FROM gm_move_transition
-- ;;
INSERT INTO report_transition (report_id, district_code, at, actor_id, actor, action, from_state, to_state, details)
SELECT m.id, m.district_code, CAST(:at AS timestamptz), CAST(:actor_id AS integer), :actor, 'transfer',
       m.status, m.status,
       jsonb_build_object('kind', 'with_event', 'event', :ticket, 'from_district', :from_district,
                          'to_district', :to_district,
                          'from_district_name', coalesce((SELECT d.name FROM district d WHERE d.code = :from_district),
                                                         :from_district),
                          'to_district_name', (SELECT d.name FROM district d WHERE d.code = :to_district))
FROM gm_move_report m WHERE m.id <> :id
-- ;;
DROP TABLE gm_move_report, gm_move_transition
