-- The buildings with an address in the view (:minx, :miny, :maxx, :maxy), for the planner's map:
-- one point per building (the centroid of its addresses in the view), the leaf grid of draft
-- :draft_id holding it (as intake assigns: finest covering grid, lowest code on an edge), and
-- its households. :limit + 1 rows at most, so the caller knows when the view holds more.
-- An address without a building name is a building only when nothing refines it (a door, a
-- compound with no buildings on record): a compound listed with its buildings is not one more.
WITH b AS (
  SELECT gridmap_building_key(a.compound, a.road, a.number, a.building, a.id) AS key,
         min(a.id) AS address_id, count(*) AS addresses, count(h.id) AS households,
         ST_Centroid(ST_Collect(a.location)) AS site,
         min(coalesce(a.compound, a.road || coalesce(a.number || '号', ''))) AS place, min(a.building) AS building
  FROM standard_address a
  LEFT JOIN household_address h ON h.id = a.id
  WHERE a.district_code = :district_code
    AND a.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)
    AND (a.building IS NOT NULL OR EXISTS (SELECT 1 FROM household_address h WHERE h.district_code = :district_code AND h.id = a.id))
  GROUP BY 1
  ORDER BY 1
  LIMIT CAST(:limit AS integer) + 1
)
SELECT b.key, b.address_id, b.addresses, b.households, b.place, b.building,
       ST_X(b.site) AS lon, ST_Y(b.site) AS lat,
       (SELECT f.code FROM gridmap_finest_grid(b.site, CAST(:base AS integer), CAST(:draft_id AS integer)) f)
         AS grid
FROM b
