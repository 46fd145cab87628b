-- Reports and standard addresses whose grid differs between version A and version B, grouped by
-- (kind, from, to) grid code. Only points inside a grid whose shape changed can move: those are
-- found first (GiST on the locations), then assigned in both versions by the intake rule (finest
-- regular grid covering the point, lowest code on an edge). One query for both kinds of point, so
-- the rule cannot drift between them. Both versions are one district's (:district_code): only its
-- grids are compared.
WITH changed AS (
  SELECT a.geom AS a_geom, b.geom AS b_geom
  FROM (SELECT g.* FROM grid g
        WHERE g.kind = 'regular' AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high,
              g.ended_in_drafts, CAST(:a_generation AS integer), CAST(:a_draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))) a
  FULL JOIN (SELECT g.* FROM grid g
        WHERE g.kind = 'regular' AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high,
              g.ended_in_drafts, CAST(:b_generation AS integer), CAST(:b_draft_id AS integer))
       AND (CAST(:district_code AS varchar) IS NULL OR g.district_code = CAST(:district_code AS varchar)))) b
    ON a.code = b.code
  WHERE a.id IS DISTINCT FROM b.id AND (a.id IS NULL OR b.id IS NULL OR NOT ST_Equals(a.geom, b.geom))
), zone AS (
  SELECT a_geom AS geom FROM changed WHERE a_geom IS NOT NULL
  UNION ALL
  SELECT b_geom FROM changed WHERE b_geom IS NOT NULL
), candidates AS (
  SELECT DISTINCT 'report' AS kind, r.id, r.status, r.ticket AS label, NULL AS building, r.location
  FROM zone z JOIN report r ON ST_Covers(z.geom, r.location)
  WHERE r.location IS NOT NULL
  UNION
  -- A building: its compound (or road and number) and building name (migration 0018).
  SELECT 'address', a.id, NULL, a.full_text, gridmap_building_key(a.compound, a.road, a.number, a.building, a.id),
         a.location
  FROM zone z JOIN standard_address a ON ST_Covers(z.geom, a.location)
), assigned AS (
  SELECT c.kind, c.id, c.status, c.label, c.building,
         (SELECT f.code FROM gridmap_finest_grid(c.location, CAST(:a_generation AS integer),
                                                 CAST(:a_draft_id AS integer)) f) AS from_code,
         (SELECT f.code FROM gridmap_finest_grid(c.location, CAST(:b_generation AS integer),
                                                 CAST(:b_draft_id AS integer)) f) AS to_code
  FROM candidates c
)
SELECT kind, from_code, to_code, count(*) AS moved,
       count(*) FILTER (WHERE status = ANY(CAST(:open_statuses AS text[]))) AS open_reports,
       count(DISTINCT building) AS buildings,
       (array_agg(label ORDER BY id DESC))[1:5] AS samples
FROM assigned
WHERE from_code IS DISTINCT FROM to_code
GROUP BY kind, from_code, to_code
ORDER BY kind DESC, count(*) DESC, from_code, to_code
