-- Households visited this cycle, per grid (grid_ids, current regular grids).
--
-- household   a household-level standard address: one that no other address
--             of the library refines, i.e. no other key starts with its key
--             up to its finest part (the library is kept at unit level at its
--             finest: units count, and a building, door or compound without
--             finer entries counts itself). Found as the keys that are not a
--             truncation of some other key: set-based, a hash anti-join.
-- in a grid   the address's assigned grid (standard_address.grid_id, kept
--             current on every boundary change) has the grid in its lineage.
-- visited     at least one household_visit, by anybody, from :cycle_from (the
--             first Beijing day of the cycle's month) to :t_to (the period's end).
WITH keys AS (
  SELECT string_to_array(a.norm_key, '|') AS parts, a.norm_key
  FROM standard_address a WHERE a.district_code = :district_code
),
refined AS (
  SELECT DISTINCT array_to_string(k.parts[1:j] || array_fill(''::text, ARRAY[5 - j]), '|') AS key
  FROM keys k CROSS JOIN generate_series(1, 4) j
  WHERE array_to_string(k.parts[j + 1:5], '') <> ''
),
household AS (
  SELECT a.id, a.grid_id FROM standard_address a
  WHERE a.district_code = :district_code AND a.grid_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM refined r WHERE r.key = a.norm_key)
),
ids AS MATERIALIZED (SELECT DISTINCT unnest(CAST(:grid_ids AS integer[])) AS id),
member AS (
  SELECT DISTINCT g.id AS grid_id, h.id AS address_id
  FROM household h
  JOIN grid ag ON ag.id = h.grid_id
  JOIN ids g ON g.id = ANY(ag.lineage)
),
visited AS (
  SELECT DISTINCT v.address_id FROM household_visit v
  WHERE v.visited_at >= :cycle_from AND v.visited_at < :t_to
)
SELECT m.grid_id AS id, count(*) AS households, count(v.address_id) AS households_visited
FROM member m LEFT JOIN visited v ON v.address_id = m.address_id
GROUP BY m.grid_id
