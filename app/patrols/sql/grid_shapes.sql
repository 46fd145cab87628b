-- Grid outlines for the patrol map (simplified when tolerance is set).
SELECT g.id, ST_AsGeoJSON(CASE WHEN CAST(:tolerance AS double precision) IS NULL THEN g.geom
                               ELSE ST_SimplifyPreserveTopology(g.geom, :tolerance) END, 6) AS geometry
FROM grid g
WHERE g.id = ANY(CAST(:grid_ids AS integer[]))
