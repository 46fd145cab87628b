-- On publish: every open report gets its grid in the new current boundaries, in one statement.
-- Same rule as intake (reports/sql/assign.sql, geo/assign.py): the finest regular grid that
-- covers the point, lowest code on a shared edge; dedicated grids in addition. The assignment
-- on arrival (grid_id, grid_lineage, generation) is never touched; closed reports keep theirs.
-- Answers how many open reports were checked and how many changed grid: from the grid the rule
-- gives in the old generation (:old_generation) to the one it gives now, as the impact preview
-- (plan/sql/impact_moves.sql) counts them, so the confirmation and the outcome agree.
-- Only the publishing district's reports (:district_code), and only to its grids: a report cannot
-- change district by an UPDATE (Citus); one whose point left the district keeps no current grid
-- until it is transferred (issue 19).
WITH hit AS (
  SELECT p.id, reg.id AS grid_id, reg.lineage, reg.code AS to_code, ded.ids AS dedicated,
         (SELECT f.code FROM gridmap_finest_grid(p.location, CAST(:old_generation AS integer), NULL) f)
           AS from_code
  FROM report p
  LEFT JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL) reg ON reg.district_code = p.district_code
  LEFT JOIN LATERAL (
    SELECT array_agg(g.id ORDER BY g.code) AS ids FROM grid_current g
    WHERE g.kind = 'dedicated' AND ST_Covers(g.geom, p.location)
  ) ded ON true
  WHERE p.status = ANY(CAST(:open_statuses AS text[])) AND p.location IS NOT NULL
    AND p.district_code = CAST(:district_code AS varchar)
), updated AS (
  UPDATE report r
  SET current_grid_id = hit.grid_id, current_lineage = coalesce(hit.lineage, '{}'),
      current_dedicated_ids = coalesce(hit.dedicated, '{}'), current_generation = CAST(:generation AS integer),
      -- Only a report whose grids really changed shows up in the live feed (it may enter or leave
      -- a worker's area); the rest keep their updated_at, or every publish would resend them all.
      updated_at = CASE
        WHEN coalesce(r.current_lineage, r.grid_lineage) IS DISTINCT FROM coalesce(hit.lineage, '{}')
          OR coalesce(r.current_dedicated_ids, r.dedicated_grid_ids) IS DISTINCT FROM coalesce(hit.dedicated, '{}')
        THEN CAST(:clock AS timestamptz) ELSE r.updated_at END
  FROM hit
  WHERE r.id = hit.id
  RETURNING hit.from_code, hit.to_code
)
SELECT count(*) AS checked, count(*) FILTER (WHERE from_code IS DISTINCT FROM to_code) AS moved FROM updated
