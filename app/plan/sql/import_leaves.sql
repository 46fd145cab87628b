-- Replace the grids of :level (and :kind) under :scope in draft :draft_id by the features staged in
-- plan_import, when nothing in the draft hangs below that level (app.plan.level_import). The rules are
-- geo.planning.replace_level's for such a level, set-based (tests/plan/test_level_import.py holds the two
-- to the same answer): a feature whose code is a grid of the level keeps that grid's identity (kind,
-- predecessors), other codes are new, grids of the level the file does not have are removed; the counts
-- are the file's, and where a new or reshaped grid has none they are estimated from the area it takes of
-- the draft's leaves. The parents' sums follow in app.plan.level_import. Fills plan_edit, the staging
-- table of app.plan.family (apply_edit.sql writes it copy-on-write).
--
-- 1. The features as grids of the draft.
CREATE TEMP TABLE plan_new ON COMMIT DROP AS
SELECT s.idx, s.code, s.name, CAST(:level AS text) AS level, coalesce(o.kind, s.kind) AS kind, s.parent_code,
       s.households, s.population, s.counts_given, coalesce(o.predecessors, CAST('{}' AS varchar(17)[])) AS predecessors,
       o.code IS NOT NULL AS existed,
       (o.code IS NULL OR ST_AsBinary(o.geom) <> ST_AsBinary(s.geom)) AS reshaped, s.area_m2, s.geom
FROM plan_import s
LEFT JOIN grid o ON o.code = s.code AND o.level = :level
 AND (grid_in_version(o.draft_id, o.generation_low, o.generation_high, o.ended_in_drafts,
                     CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR o.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
-- ;;
CREATE INDEX ON plan_new USING gist (geom)
-- ;;
-- 2. Estimated counts: each leaf of the draft under :scope (a regular grid with no regular child) gives
--    the share of its area the grid covers (planar ratio, share > 1e-12, at most 1) of its count;
--    the estimates are then rounded keeping their total (largest remainder; ties: existing grids by
--    code, then new ones in file order).
CREATE TEMP TABLE plan_estimate ON COMMIT DROP AS
WITH leaves AS (
  SELECT g.code, g.geom, g.households, g.population
  FROM grid g
  WHERE g.kind = 'regular' AND g.code LIKE :scope || '%'
    AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                        CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
    AND NOT EXISTS (
      SELECT 1 FROM grid c WHERE c.parent_code = g.code AND c.kind = 'regular'
        AND (grid_in_version(c.draft_id, c.generation_low, c.generation_high, c.ended_in_drafts,
                            CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR c.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer)))))
), shares AS (
  SELECT t.idx, l.households, l.population,
         ST_Area(ST_Intersection(t.geom, l.geom)) / GREATEST(ST_Area(l.geom), 1e-30) AS share
  FROM plan_new t JOIN leaves l ON ST_Intersects(t.geom, l.geom)
  WHERE NOT t.counts_given AND t.reshaped AND t.kind = 'regular'
)
SELECT n.idx, n.existed, n.code,
       sum(sh.households * LEAST(sh.share, 1.0)) FILTER (WHERE sh.households IS NOT NULL AND sh.share > 1e-12) AS hh,
       sum(sh.population * LEAST(sh.share, 1.0)) FILTER (WHERE sh.population IS NOT NULL AND sh.share > 1e-12) AS pop
FROM shares sh JOIN plan_new n ON n.idx = sh.idx
GROUP BY n.idx, n.existed, n.code
-- ;;
UPDATE plan_new n SET households = r.value + CASE WHEN r.rank <= r.missing THEN 1 ELSE 0 END
FROM (
  SELECT idx, floor(hh) AS value,
         row_number() OVER (ORDER BY hh - floor(hh) DESC, NOT existed, CASE WHEN existed THEN code END, idx) AS rank,
         round(sum(hh) OVER ()) - sum(floor(hh)) OVER () AS missing
  FROM plan_estimate WHERE hh IS NOT NULL
) r
WHERE n.idx = r.idx
-- ;;
UPDATE plan_new n SET population = r.value + CASE WHEN r.rank <= r.missing THEN 1 ELSE 0 END
FROM (
  SELECT idx, floor(pop) AS value,
         row_number() OVER (ORDER BY pop - floor(pop) DESC, NOT existed, CASE WHEN existed THEN code END, idx) AS rank,
         round(sum(pop) OVER ()) - sum(floor(pop)) OVER () AS missing
  FROM plan_estimate WHERE pop IS NOT NULL
) r
WHERE n.idx = r.idx
-- ;;
-- 3. The edit: every feature that differs from the grid of its code, and the grids of the level the file
--    no longer has.
-- A grid keeps its exclave allowance (app.plan exclaves) when a file redraws it; a new one has none.
INSERT INTO plan_edit (code, op, name, level, kind, parent_code, households, population, predecessors, area_m2, wkb,
                       exclave)
SELECT n.code, 'upsert', n.name, n.level, n.kind, n.parent_code, n.households, n.population, n.predecessors,
       n.area_m2, encode(ST_AsBinary(n.geom), 'hex'), coalesce(o.exclave, false)
FROM plan_new n
LEFT JOIN grid o ON o.code = n.code AND o.level = :level
 AND (grid_in_version(o.draft_id, o.generation_low, o.generation_high, o.ended_in_drafts,
                     CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR o.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
WHERE o.code IS NULL OR n.reshaped OR o.name IS DISTINCT FROM n.name OR o.parent_code IS DISTINCT FROM n.parent_code
   OR o.households IS DISTINCT FROM n.households OR o.population IS DISTINCT FROM n.population
ORDER BY n.code
-- ;;
INSERT INTO plan_edit (code, op, predecessors)
SELECT o.code, 'remove', '{}'
FROM grid o
WHERE o.level = :level AND o.kind = :kind AND o.code LIKE :scope || '%'
  AND (grid_in_version(o.draft_id, o.generation_low, o.generation_high, o.ended_in_drafts,
                      CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR o.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  AND NOT EXISTS (SELECT 1 FROM plan_new n WHERE n.code = o.code)
