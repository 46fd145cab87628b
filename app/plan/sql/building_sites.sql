-- The buildings of the picked standard addresses (:address_ids), as draft :draft_id (opened on
-- generation :base) sees them: each building's site (the centroid of all its addresses), its
-- households (household_address) and the leaf grid holding the site: the finest regular grid
-- of the draft covering it, lowest code on an edge, as intake assigns. Buildings as
-- buildings_in_view.sql counts them: a compound listed with its buildings is not one.
WITH picked AS (
  SELECT DISTINCT gridmap_building_key(a.compound, a.road, a.number, a.building, a.id) AS key
  FROM standard_address a
  WHERE a.id = ANY(CAST(:address_ids AS bigint[])) AND a.district_code = :district_code
    AND (a.building IS NOT NULL OR EXISTS (SELECT 1 FROM household_address h WHERE h.district_code = :district_code AND h.id = a.id))
), building AS (
  SELECT p.key, ST_Centroid(ST_Collect(a.location)) AS site, count(*) AS addresses,
         count(h.id) AS households, min(a.id) AS address_id
  FROM picked p
  JOIN standard_address a ON a.district_code = :district_code
   AND gridmap_building_key(a.compound, a.road, a.number, a.building, a.id) = p.key
   AND (a.building IS NOT NULL OR EXISTS (SELECT 1 FROM household_address h WHERE h.district_code = :district_code AND h.id = a.id))
  LEFT JOIN household_address h ON h.id = a.id
  GROUP BY p.key
)
SELECT b.key, ST_X(b.site) AS lon, ST_Y(b.site) AS lat, b.addresses, b.households, b.address_id,
       (SELECT f.code FROM gridmap_finest_grid(b.site, CAST(:base AS integer), CAST(:draft_id AS integer)) f)
         AS leaf
FROM building b
ORDER BY b.key
