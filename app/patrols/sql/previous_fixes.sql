-- Each worker's last stored fix before their first fix of the batch, looking back
-- lookback_s seconds (so the scan stays in the last partition or two).
-- The latest time per worker first, then its row: Citus cannot push a LATERAL ... LIMIT 1 over a
-- table function down to the shards (docs/scale.md).
WITH w AS (
  SELECT * FROM unnest(CAST(:workers AS integer[]), CAST(:firsts AS timestamptz[])) AS w(worker_id, first_time)
), last AS (
  SELECT f.worker_id, max(f.time) AS time
  FROM patrol_fix f JOIN w ON f.worker_id = w.worker_id
  WHERE f.time < w.first_time AND f.time >= w.first_time - make_interval(secs => :lookback_s)
  GROUP BY f.worker_id
)
SELECT DISTINCT ON (f.worker_id) f.worker_id, f.time, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat
FROM patrol_fix f JOIN last ON f.worker_id = last.worker_id AND f.time = last.time
ORDER BY f.worker_id
