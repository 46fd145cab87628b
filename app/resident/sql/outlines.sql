-- The published boundaries as lines, for the report pages' maps (no base tiles may be reachable):
-- one MultiLineString per level, each edge once (ST_Union of the boundaries), simplified to
-- :tolerance degrees and written with 5 decimals (about 1 m). Dedicated grids and micro-grids are left out.
SELECT level,
       ST_AsGeoJSON(ST_Simplify(ST_LineMerge(ST_Union(ST_Boundary(geom))), :tolerance), 5) AS geometry
FROM grid_current
WHERE kind = 'regular' AND level IN ('district', 'subdistrict', 'community', 'grid')
GROUP BY level
