-- The city outline (issue 19): the union of every district's current root grid, in one query, and
-- the districts it is made of. Roots are few (one per district) and the partial index
-- ix_grid_current_root_geom holds exactly them.
SELECT ST_AsGeoJSON(ST_Multi(ST_Union(g.geom)), 7) AS geometry,
       array_agg(DISTINCT g.district_code ORDER BY g.district_code) AS districts
FROM grid_current g
WHERE g.kind = 'regular' AND g.parent_id IS NULL
