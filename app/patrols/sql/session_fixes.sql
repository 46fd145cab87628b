-- One worker's accepted fixes from :t_from to :t_to (both included), in time
-- order; with :outside_explicit, those inside an explicit session are left
-- out (a derived session's track).
SELECT f.time, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat
FROM patrol_fix f
WHERE f.worker_id = :worker_id AND f.time >= :t_from AND f.time <= :t_to
  AND (NOT :outside_explicit OR NOT EXISTS (
        SELECT 1 FROM patrol_session s
        WHERE s.district_code = f.district_code AND s.worker_id = f.worker_id AND s.started_at <= f.time
          AND (s.stopped_at IS NULL OR s.stopped_at >= f.time)))
ORDER BY f.time
LIMIT :limit
