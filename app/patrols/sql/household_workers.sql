-- Households visited this cycle, per worker (see household_grids.sql for
-- what a household is): the household-level addresses in the worker's own
-- grids (user_area; regular grids by the address's assigned grid lineage,
-- dedicated grids by covering the point), and how many of them the worker
-- visited from :cycle_from to :t_to.
WITH household AS (  -- household-level addresses: the view of migration 0014
  SELECT a.id, a.grid_id, a.location FROM household_address a
  WHERE a.district_code = :district_code
),
area AS (
  SELECT ua.user_id AS worker_id, g.id AS grid_id, g.kind, g.geom
  FROM user_area ua
  JOIN app_user u ON u.id = ua.user_id AND u.role = 'worker' AND u.active
  JOIN grid_current g ON g.code = ua.grid_code
  WHERE CAST(:workers AS integer[]) IS NULL OR ua.user_id = ANY(CAST(:workers AS integer[]))
),
in_lineage AS MATERIALIZED (
  -- Each household with every grid of its lineage, apart: joined inline with the workers' areas, the
  -- planner expected few rows and tested every (area, lineage entry) pair in a nested loop (10 million
  -- on the demo, 1.7 s); from a CTE it hash-joins them (0.1 s).
  SELECT h.id AS address_id, l.id AS grid_id
  FROM household h JOIN grid ag ON ag.id = h.grid_id
  CROSS JOIN LATERAL unnest(ag.lineage) l(id)
),
member AS (
  -- The address's grid lineage unnested and hash-joined (see household_grids.sql).
  SELECT a.worker_id, i.address_id
  FROM in_lineage i JOIN area a ON a.grid_id = i.grid_id
  WHERE a.kind = 'regular'
  UNION
  SELECT a.worker_id, h.id
  FROM area a JOIN household h ON a.kind = 'dedicated' AND ST_Covers(a.geom, h.location)
),
visited AS (
  SELECT DISTINCT v.worker_id, v.address_id FROM household_visit v
  WHERE v.visited_at >= :cycle_from AND v.visited_at < :t_to
    AND (CAST(:workers AS integer[]) IS NULL OR v.worker_id = ANY(CAST(:workers AS integer[])))
)
SELECT m.worker_id AS id, count(*) AS households, count(v.address_id) AS households_visited
FROM member m LEFT JOIN visited v ON v.worker_id = m.worker_id AND v.address_id = m.address_id
GROUP BY m.worker_id
