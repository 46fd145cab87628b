-- On publish: every open report gets its grid in the new current boundaries (app.plan.publish.reassign).
-- Same rule as intake (reports/sql/assign.sql, geo/assign.py): the finest regular grid that
-- covers the point, lowest code on a shared edge; dedicated grids in addition. The assignment
-- on arrival (grid_id, grid_lineage, generation) is never touched; closed reports keep theirs.
-- Answers how many open reports were checked and how many changed grid: from the grid the rule
-- gives in the old generation (:old_generation) to the one it gives now, as the impact preview
-- (plan/sql/impact_moves.sql) counts them, so the confirmation and the outcome agree.
-- Only the publishing district's reports (:district_code), and only to its grids: a report cannot
-- change district by an UPDATE (Citus); one whose point left the district keeps no current grid
-- until it is handed over (交办/转办), and is flagged for the desks (migration 0036): outside_district,
-- and point_district = the district whose current grids cover the point (NULL: none does).
-- Then the other districts' open events flagged already, or filed outside every district
-- (out_of_coverage): their point_district follows the new grids (this district's may now cover them).
-- Worked out in temporary tables, then written (no data-modifying CTE): on Citus the points are
-- read from the shards first and the grid functions run on the coordinator, next to its copy of
-- the grids; inside an UPDATE of report they would run on the shards, where reading the grids is
-- a distributed query Citus refuses. The clock parameter is the database clock read just before (app.dbclock).
CREATE TEMP TABLE reassign_point ON COMMIT DROP AS
  SELECT p.id, p.location, coalesce(p.current_lineage, p.grid_lineage) AS lineage_before,
         coalesce(p.current_dedicated_ids, p.dedicated_grid_ids) AS dedicated_before,
         p.outside_district AS outside_before, p.point_district AS point_district_before
  FROM report p
  WHERE p.status = ANY(CAST(:open_statuses AS text[])) AND p.location IS NOT NULL
    AND p.district_code = CAST(:district_code AS varchar)
-- ;;
CREATE TEMP TABLE reassign_hit ON COMMIT DROP AS
  SELECT p.id, reg.id AS grid_id, coalesce(reg.lineage, '{}') AS lineage, reg.code AS to_code,
         coalesce(ded.ids, '{}') AS dedicated,
         (SELECT f.code FROM gridmap_finest_grid(p.location, CAST(:old_generation AS integer), NULL) f) AS from_code,
         -- Only a report whose grids really changed shows up in the live feed (it may enter or leave
         -- a worker's area); the rest keep their updated_at, or every publish would resend them all.
         p.lineage_before IS DISTINCT FROM coalesce(reg.lineage, '{}')
           OR p.dedicated_before IS DISTINCT FROM coalesce(ded.ids, '{}')
           OR p.outside_before IS DISTINCT FROM (reg.id IS NULL)
           OR p.point_district_before IS DISTINCT FROM
              CASE WHEN reg.id IS NULL THEN any_grid.district_code END AS changed,
         reg.id IS NULL AS outside,
         CAST(CASE WHEN reg.id IS NULL THEN any_grid.district_code END AS varchar(6)) AS point_district
  FROM reassign_point p
  LEFT JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL) any_grid ON true
  LEFT JOIN LATERAL (SELECT any_grid.id, any_grid.lineage, any_grid.code
                     WHERE any_grid.district_code = CAST(:district_code AS varchar)) reg ON true
  LEFT JOIN LATERAL (
    SELECT array_agg(g.id ORDER BY g.code) AS ids FROM grid_current g
    WHERE g.kind = 'dedicated' AND ST_Covers(g.geom, p.location)
  ) ded ON true
-- ;;
UPDATE report r
SET current_grid_id = hit.grid_id, current_lineage = hit.lineage,
    current_dedicated_ids = hit.dedicated, current_generation = CAST(:generation AS integer),
    outside_district = hit.outside, point_district = hit.point_district,
    updated_at = CASE WHEN hit.changed THEN CAST(:clock AS timestamptz) ELSE r.updated_at END
FROM reassign_hit hit
WHERE r.district_code = CAST(:district_code AS varchar) AND r.id = hit.id
-- ;;
-- Other districts' open events already outside their district's grids (flagged, or filed outside
-- every district): which district's grids cover them now.
-- (The points first, then the grid function over them, as above: not inside a query on the shards.)
CREATE TEMP TABLE reassign_other_point ON COMMIT DROP AS
  SELECT r.id, r.district_code, r.location, r.point_district FROM report r
  WHERE r.status = ANY(CAST(:open_statuses AS text[])) AND r.location IS NOT NULL
    AND r.district_code <> CAST(:district_code AS varchar)
    AND (r.outside_district OR r.point_district IS NOT NULL
         OR (r.out_of_coverage AND r.current_generation IS NULL))
-- ;;
CREATE TEMP TABLE reassign_other ON COMMIT DROP AS
  SELECT p.id, p.district_code, p.point_district AS before,
         CAST(CASE WHEN f.district_code <> p.district_code THEN f.district_code END AS varchar(6)) AS point_district
  FROM reassign_other_point p
  LEFT JOIN LATERAL gridmap_finest_grid(p.location, NULL, NULL) f ON true
-- ;;
UPDATE report r
SET point_district = o.point_district, updated_at = CAST(:clock AS timestamptz)
FROM reassign_other o
WHERE r.district_code = o.district_code AND r.id = o.id AND o.before IS DISTINCT FROM o.point_district
-- ;;
SELECT count(*) AS checked, count(*) FILTER (WHERE from_code IS DISTINCT FROM to_code) AS moved,
       count(*) FILTER (WHERE outside) AS outside
FROM reassign_hit
-- ;;
DROP TABLE reassign_hit, reassign_point, reassign_other, reassign_other_point
