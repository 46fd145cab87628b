-- The tracks of the days :days (Beijing), one day at a time, into the session's
-- temp table patrol_day_track, for the daily roll-ups (app.patrols.rollup).
--   crossing = false: the day's accepted fixes with their neighbours within the
--     day, exactly what track_fill.sql holds for a period of that one day;
--   crossing = true: one row per worker whose first fix of the day follows
--     their last fix of the day before within max_gap: that segment (dt,
--     prev_geom). A period counts it when it holds both days.
-- Each row keeps its fix's district (the worker's when it was sent): the roll-ups carry it.
DELETE FROM patrol_day_track
-- ;;
INSERT INTO patrol_day_track (day, crossing, district_code, worker_id, time, geom, prev_geom, dt, next_dt)
SELECT d.day, false, f.district_code, f.worker_id, f.time, f.geom,
       lag(f.geom) OVER w,
       extract(epoch FROM f.time - lag(f.time) OVER w),
       extract(epoch FROM lead(f.time) OVER w - f.time)
FROM unnest(CAST(:days AS date[])) d(day)
JOIN patrol_fix f ON f.time >= (d.day + time '00:00') AT TIME ZONE 'Asia/Shanghai'
                 AND f.time < (d.day + 1 + time '00:00') AT TIME ZONE 'Asia/Shanghai'
WINDOW w AS (PARTITION BY d.day, f.district_code, f.worker_id ORDER BY f.time)
-- ;;
-- The latest earlier fix of each day's first one, as DISTINCT ON over a join, not a LATERAL ... LIMIT 1
-- per row, which Citus cannot push down to the shards of patrol_fix (the same rows: one first fix per
-- day, district and worker; the window of max_gap is short, so few fixes are joined to each).
INSERT INTO patrol_day_track (day, crossing, district_code, worker_id, time, geom, prev_geom, dt, next_dt)
SELECT DISTINCT ON (t.day, t.district_code, t.worker_id)
       t.day, true, t.district_code, t.worker_id, t.time, t.geom, f.geom, extract(epoch FROM t.time - f.time), NULL
FROM patrol_day_track t
JOIN patrol_fix f ON f.district_code = t.district_code AND f.worker_id = t.worker_id AND f.time < t.time
                 AND f.time >= t.time - make_interval(secs => :max_gap)
WHERE NOT t.crossing AND t.dt IS NULL
ORDER BY t.day, t.district_code, t.worker_id, f.time DESC
-- ;;
ANALYZE patrol_day_track
