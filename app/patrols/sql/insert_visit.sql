-- One visit per (worker, address, Beijing day): a retried request adds nothing.
INSERT INTO household_visit (district_code, worker_id, address_id, visited_at, day, note)
VALUES (:district_code, :worker_id, :address_id, :visited_at,
        CAST(CAST(:visited_at AS timestamptz) AT TIME ZONE 'Asia/Shanghai' AS date), :note)
ON CONFLICT ON CONSTRAINT uq_household_visit_day DO NOTHING
RETURNING id
