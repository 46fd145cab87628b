-- Daily roll-up of key-place visits (scope "places"): the rule of track_fill.sql
-- (a fix of the day within the place's radius, geodesic metres), per day.
DELETE FROM patrol_day_place WHERE day = ANY(CAST(:days AS date[]))
-- ;;
INSERT INTO patrol_day_place (district_code, day, worker_id, place_id)
SELECT DISTINCT t.district_code, t.day, t.worker_id, p.id
FROM patrol_day_track t
JOIN patrol_place p ON p.active AND p.district_code = t.district_code
                   AND p.geom && ST_Expand(t.geom, 0.015)
                   AND ST_DWithin(t.geom, p.geom, p.radius_m / 50000.0)
                   AND ST_DWithin(CAST(t.geom AS geography), CAST(p.geom AS geography), p.radius_m)
WHERE t.day = ANY(CAST(:days AS date[])) AND NOT t.crossing
