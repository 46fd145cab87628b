-- One worker's accepted fixes between two instants, in time order.
SELECT f.time, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, f.accuracy
FROM patrol_fix f
WHERE f.worker_id = :worker_id AND f.time >= :t_from AND f.time < :t_to
ORDER BY f.time
LIMIT :limit
