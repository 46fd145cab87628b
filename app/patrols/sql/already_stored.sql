-- Staged fixes whose (worker, instant) is already in patrol_fix: a retried batch.
-- The time bounds let the planner prune partitions.
SELECT s.row_no
FROM patrol_fix_staging s
JOIN patrol_fix f ON f.worker_id = s.worker_id AND f.time = timestamptz 'epoch' + s.t_us * interval '1 microsecond'
WHERE f.time >= :t_min AND f.time <= :t_max
ORDER BY s.row_no
