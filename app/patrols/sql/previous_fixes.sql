-- Each worker's last stored fix before their first fix of the batch, looking back
-- lookback_s seconds (so the scan stays in the last partition or two).
-- The latest time per worker first, then its row: Citus cannot push a LATERAL ... LIMIT 1 over a
-- table function down to the shards (docs/scale.md).
-- Each worker is named with their district, so both look-ups are ranges of patrol_fix's key (district_code,
-- worker_id, time) in the partitions of the look-back: without it, every fix of the day was read for
-- every batch (patrol_fix's key leads with the district, migration 0032).
WITH w AS (
  SELECT * FROM unnest(CAST(:workers AS integer[]), CAST(:districts AS varchar[]), CAST(:firsts AS timestamptz[]))
    AS w(worker_id, district_code, first_time)
), last AS (
  SELECT f.district_code, f.worker_id, max(f.time) AS time
  FROM patrol_fix f JOIN w ON f.district_code = w.district_code AND f.worker_id = w.worker_id
  WHERE f.time < w.first_time AND f.time >= w.first_time - make_interval(secs => :lookback_s)
    AND f.time >= CAST(:t_from AS timestamptz) AND f.time < CAST(:t_to AS timestamptz)
  GROUP BY f.district_code, f.worker_id
)
SELECT DISTINCT ON (f.worker_id) f.worker_id, f.time, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat
FROM patrol_fix f
JOIN last ON f.district_code = last.district_code AND f.worker_id = last.worker_id AND f.time = last.time
ORDER BY f.worker_id
