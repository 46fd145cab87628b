-- Each worker's last stored fix before their first fix of the batch, looking back
-- lookback_s seconds (so the scan stays in the last partition or two).
SELECT w.worker_id, p.time, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
FROM unnest(CAST(:workers AS integer[]), CAST(:firsts AS timestamptz[])) AS w(worker_id, first_time)
CROSS JOIN LATERAL (
  SELECT f.time, f.geom FROM patrol_fix f
  WHERE f.worker_id = w.worker_id
    AND f.time < w.first_time
    AND f.time >= w.first_time - make_interval(secs => :lookback_s)
  ORDER BY f.time DESC
  LIMIT 1
) p
