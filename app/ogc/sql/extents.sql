-- Per collection bucket (regular level, or 'dedicated') of one version: how many grids and their extent.
SELECT CASE WHEN g.kind = 'dedicated' THEN 'dedicated' ELSE g.level END AS bucket,
       count(*) AS grids,
       ST_XMin(ST_Extent(g.geom)) AS minx, ST_YMin(ST_Extent(g.geom)) AS miny,
       ST_XMax(ST_Extent(g.geom)) AS maxx, ST_YMax(ST_Extent(g.geom)) AS maxy
FROM grid g
WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:generation AS integer), CAST(:draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))
GROUP BY 1
