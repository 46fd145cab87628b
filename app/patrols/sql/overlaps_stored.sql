-- Does any worker of the batch already have a stored fix within the batch's time span for that
-- worker? If not, no accepted fix can be a retry and the batch can be COPYed straight into
-- patrol_fix. The global bounds let the planner prune partitions; the per-worker ones keep a
-- worker's earlier batches from counting. With the worker's district each worker is a range of
-- patrol_fix's key (previous_fixes.sql).
-- (A join, not a correlated EXISTS over the table function, which Citus cannot plan.)
SELECT EXISTS (
  SELECT 1
  FROM patrol_fix f
  JOIN unnest(CAST(:workers AS integer[]), CAST(:districts AS varchar[]), CAST(:firsts AS timestamptz[]),
              CAST(:lasts AS timestamptz[]))
       AS w(worker_id, district_code, first_time, last_time)
    ON f.district_code = w.district_code AND f.worker_id = w.worker_id
   AND f.time >= w.first_time AND f.time <= w.last_time
  WHERE f.time >= :t_min AND f.time <= :t_max
)
