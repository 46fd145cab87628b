-- Every building with an address inside the leaf grids :leaves of draft :draft_id, with its site
-- (the centroid of its addresses there): the sites that divide a leaf into plots (geo.plots).
-- Buildings as buildings_in_view.sql counts them (a compound listed with its buildings is not one).
SELECT l.code AS leaf, gridmap_building_key(a.compound, a.road, a.number, a.building, a.id) AS key,
       ST_X(ST_Centroid(ST_Collect(a.location))) AS lon, ST_Y(ST_Centroid(ST_Collect(a.location))) AS lat
FROM grid l
JOIN standard_address a ON a.district_code = :district_code AND ST_Covers(l.geom, a.location)
 AND (a.building IS NOT NULL OR EXISTS (SELECT 1 FROM household_address h WHERE h.district_code = :district_code AND h.id = a.id))
WHERE l.code = ANY(CAST(:leaves AS text[])) AND l.kind = 'regular'
  AND (grid_in_version(l.draft_id, l.generation_low, l.generation_high, l.ended_in_drafts,
                      CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR l.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
GROUP BY l.code, key
ORDER BY l.code, key
