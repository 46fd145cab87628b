-- On publish: every open report gets its grid in the new current boundaries, in one statement.
-- Same rule as intake (reports/sql/assign.sql, geo/assign.py): the finest regular grid that
-- covers the point, lowest code on a shared edge; dedicated grids in addition. The assignment
-- on arrival (grid_id, grid_lineage, generation) is never touched; closed reports keep theirs.
UPDATE report r
SET current_grid_id = hit.grid_id, current_lineage = coalesce(hit.lineage, '{}'),
    current_dedicated_ids = coalesce(hit.dedicated, '{}'), current_generation = CAST(:generation AS integer),
    -- Only a report whose grids really changed shows up in the live feed (it may enter or leave
    -- a worker's area); the rest keep their updated_at, or every publish would resend them all.
    updated_at = CASE
      WHEN coalesce(r.current_lineage, r.grid_lineage) IS DISTINCT FROM coalesce(hit.lineage, '{}')
        OR coalesce(r.current_dedicated_ids, r.dedicated_grid_ids) IS DISTINCT FROM coalesce(hit.dedicated, '{}')
      THEN clock_timestamp() ELSE r.updated_at END
FROM (
  SELECT p.id, reg.id AS grid_id, reg.lineage, ded.ids AS dedicated
  FROM report p
  LEFT JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL) reg ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(g.id ORDER BY g.code) AS ids FROM grid_current g
    WHERE g.kind = 'dedicated' AND ST_Covers(g.geom, p.location)
  ) ded ON true
  WHERE p.status = ANY(CAST(:open_statuses AS text[])) AND p.location IS NOT NULL
) hit
WHERE r.id = hit.id
