-- Explicit patrol sessions (started and stopped by the worker) that overlap
-- the period, with the fixes recorded while they ran (an open session runs
-- until :now). distance_m: geodesic length between consecutive fixes at most
-- :max_gap seconds apart (the figures' rule: a longer gap is not a walk we saw).
SELECT s.id, s.worker_id, s.started_at, s.stopped_at,
       coalesce(x.fixes, 0) AS fixes, coalesce(x.distance_m, 0) AS distance_m
FROM patrol_session s
LEFT JOIN LATERAL (
  SELECT count(*) AS fixes,
         sum(ST_Distance(CAST(t.prev_geom AS geography), CAST(t.geom AS geography)))
           FILTER (WHERE t.dt <= :max_gap) AS distance_m
  FROM (SELECT f.geom, lag(f.geom) OVER w AS prev_geom, extract(epoch FROM f.time - lag(f.time) OVER w) AS dt
        FROM patrol_fix f
        -- A worker's fixes and sessions carry the worker's district (one shard group on Citus).
      WHERE f.district_code = s.district_code AND f.worker_id = s.worker_id AND f.time >= s.started_at AND f.time <= coalesce(s.stopped_at, :now)
        WINDOW w AS (ORDER BY f.time)) t
) x ON true
WHERE s.started_at < :t_to AND coalesce(s.stopped_at, :now) >= :t_from
  AND (CAST(:workers AS integer[]) IS NULL OR s.worker_id = ANY(CAST(:workers AS integer[])))
  AND (CAST(:session_id AS integer) IS NULL OR s.id = :session_id)
ORDER BY s.started_at, s.worker_id
