-- Households visited this cycle, per grid (grid_ids, current regular grids).
--
-- household   a household-level standard address (the view household_address,
--             migration 0014): one that no other address of the library
--             refines (the library is kept at unit level at its finest: units
--             count, and a building, door or compound without finer entries
--             counts itself).
-- in a grid   the address's assigned grid (standard_address.grid_id, kept
--             current on every boundary change) has the grid in its lineage.
-- visited     at least one household_visit, by anybody, from :cycle_from (the
--             first Beijing day of the cycle's month) to :t_to (the period's end).
WITH household AS (  -- household-level addresses: the view of migration 0014
  SELECT a.id, a.grid_id FROM household_address a
  WHERE a.district_code = :district_code AND a.grid_id IS NOT NULL
),
ids AS MATERIALIZED (SELECT DISTINCT unnest(CAST(:grid_ids AS integer[])) AS id),
member AS (
  -- The lineage unnested and hash-joined: "g.id = ANY(ag.lineage)" as a join condition is
  -- tested for every (grid, address) pair (2 million on the demo, half a second).
  SELECT DISTINCT g.id AS grid_id, h.id AS address_id
  FROM household h
  JOIN grid ag ON ag.id = h.grid_id
  CROSS JOIN LATERAL unnest(ag.lineage) l(id)
  JOIN ids g ON g.id = l.id
),
visited AS (
  SELECT DISTINCT v.address_id FROM household_visit v
  WHERE v.visited_at >= :cycle_from AND v.visited_at < :t_to
)
SELECT m.grid_id AS id, count(*) AS households, count(v.address_id) AS households_visited
FROM member m LEFT JOIN visited v ON v.address_id = m.address_id
GROUP BY m.grid_id
