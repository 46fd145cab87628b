-- Staged, checked fixes into the day partitions, under each worker's district (a city user's:
-- :district_code, the default). The primary key (district_code, worker_id, time) makes a retried
-- batch a no-op. Times travel as integer microseconds (exact), a missing accuracy as NaN. Staging
-- is written in time order (no sort here), so each partition's BRIN ranges stay tight.
-- The new rows are counted by RETURNING, not by the command's row count: Citus (an INSERT ... SELECT
-- through the coordinator) reports every row it sent, the ones ON CONFLICT skipped too.
INSERT INTO patrol_fix (district_code, worker_id, time, geom, accuracy)
SELECT coalesce(u.district_code, :district_code), s.worker_id,
       timestamptz 'epoch' + s.t_us * interval '1 microsecond',
       ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), nullif(s.accuracy, 'NaN')
FROM patrol_fix_staging s
LEFT JOIN app_user u ON u.id = s.worker_id
ON CONFLICT (district_code, worker_id, time) DO NOTHING
RETURNING 1
