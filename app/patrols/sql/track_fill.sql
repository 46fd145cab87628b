-- The accepted fixes of the period (for the listed workers, or everyone) with
-- their neighbours in time, into the session's temp table patrol_track:
--   dt      seconds since the worker's previous fix in the period (NULL: first);
--   next_dt seconds to the next one.
-- A pair with 0 < dt <= max_gap is a patrol segment (geo.patrol: sessions
-- split at gaps over max_gap; longer gaps count for nothing). dt > 0 always:
-- (worker_id, time) is the primary key.
DELETE FROM patrol_track
-- ;;
DELETE FROM patrol_place_visit
-- ;;
INSERT INTO patrol_track (worker_id, time, geom, prev_geom, dt, next_dt)
SELECT f.worker_id, f.time, f.geom,
       lag(f.geom) OVER w,
       extract(epoch FROM f.time - lag(f.time) OVER w),
       extract(epoch FROM lead(f.time) OVER w - f.time)
FROM patrol_fix f
WHERE f.time >= :t_from AND f.time < :t_to
  AND (CAST(:workers AS integer[]) IS NULL OR f.worker_id = ANY(CAST(:workers AS integer[])))
WINDOW w AS (PARTITION BY f.worker_id ORDER BY f.time)
-- ;;
ANALYZE patrol_track
-- ;;
-- Key-place visits: a worker visits a place on a (Beijing) day when one of
-- their fixes that day lies within the place's radius (geodesic metres).
-- 0.015 degrees covers the largest radius (1 km) up to 45 degrees of latitude.
INSERT INTO patrol_place_visit (place_id, worker_id, day)
SELECT DISTINCT p.id, t.worker_id, CAST(t.time AT TIME ZONE 'Asia/Shanghai' AS date)
FROM patrol_track t
JOIN patrol_place p ON p.active AND p.district_code = :district_code
                   AND p.geom && ST_Expand(t.geom, 0.015)
                   -- a cheap planar test first: radius / 50 km in degrees is wider than the radius
                   -- up to 60 degrees of latitude; the geodesic test decides
                   AND ST_DWithin(t.geom, p.geom, p.radius_m / 50000.0)
                   AND ST_DWithin(CAST(t.geom AS geography), CAST(p.geom AS geography), p.radius_m)
