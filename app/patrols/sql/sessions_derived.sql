-- Patrol sessions derived from gaps in the fixes (geo.patrol.split_sessions,
-- the rule the figures count sessions by): the worker's accepted fixes of the
-- period in time order, cut where two consecutive fixes are more than
-- :max_gap seconds apart. Fixes inside one of the worker's explicit sessions
-- (patrol_session, started .. stopped or still open) belong to that session
-- and are left out here, and a derived session never spans an explicit one,
-- so every fix belongs to exactly one listed session.
-- distance_m: geodesic (spheroid) length between consecutive fixes.
-- A worker's fixes and sessions carry the worker's district: every join and window names it too, so
-- on Citus the whole statement runs on the district's shards.
WITH f AS (
  SELECT f.district_code, f.worker_id, f.time, f.geom,
         lag(f.time) OVER w AS prev_time, lag(f.geom) OVER w AS prev_geom
  FROM patrol_fix f
  WHERE f.time >= :t_from AND f.time < :t_to
    AND (CAST(:workers AS integer[]) IS NULL OR f.worker_id = ANY(CAST(:workers AS integer[])))
    AND NOT EXISTS (SELECT 1 FROM patrol_session s
                    WHERE s.district_code = f.district_code AND s.worker_id = f.worker_id AND s.started_at <= f.time
                      AND (s.stopped_at IS NULL OR s.stopped_at >= f.time))
  WINDOW w AS (PARTITION BY f.district_code, f.worker_id ORDER BY f.time)
),
marked AS (
  SELECT f.*,
         CASE WHEN f.prev_time IS NULL OR extract(epoch FROM f.time - f.prev_time) > :max_gap
                   OR EXISTS (SELECT 1 FROM patrol_session s
                              WHERE s.district_code = f.district_code AND s.worker_id = f.worker_id
                                AND s.started_at > f.prev_time AND s.started_at < f.time)
              THEN 1 ELSE 0 END AS opens
  FROM f
),
numbered AS (
  SELECT m.*, sum(m.opens) OVER (PARTITION BY m.district_code, m.worker_id ORDER BY m.time) AS n FROM marked m
)
SELECT worker_id, min(time) AS started_at, max(time) AS stopped_at, count(*) AS fixes,
       coalesce(sum(ST_Distance(CAST(prev_geom AS geography), CAST(geom AS geography))) FILTER (WHERE opens = 0), 0)
         AS distance_m
FROM numbered
GROUP BY district_code, worker_id, n
ORDER BY min(time), worker_id
