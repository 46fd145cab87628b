-- Write one edit (staged in plan_edit by app.plan.family.apply) into draft :draft_id.
-- Copy-on-write: a shared row of the base generation is never changed; the draft's id goes
-- into its ended_in_drafts and the draft gets its own row for the new state.
UPDATE grid g SET ended_in_drafts = g.ended_in_drafts || CAST(:draft_id AS integer)
FROM plan_edit e
WHERE g.code = e.code AND g.draft_id IS NULL
  AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
-- ;;
-- Draft rows about to go may still be the parent of others (fixed by normalize below).
UPDATE grid c SET parent_id = NULL
WHERE c.draft_id = CAST(:draft_id AS integer)
  AND c.parent_id IN (SELECT g.id FROM grid g JOIN plan_edit e ON e.code = g.code AND e.op = 'remove'
                      WHERE g.draft_id = CAST(:draft_id AS integer))
-- ;;
DELETE FROM grid g USING plan_edit e
WHERE g.draft_id = CAST(:draft_id AS integer) AND g.code = e.code AND e.op = 'remove'
-- ;;
UPDATE grid g
SET name = e.name, level = e.level, kind = e.kind, parent_code = e.parent_code,
    geom = ST_Multi(ST_GeomFromWKB(decode(e.wkb, 'hex'), 4326)), area_m2 = e.area_m2,
    households = e.households, population = e.population, predecessors = e.predecessors, exclave = e.exclave
FROM plan_edit e
WHERE g.draft_id = CAST(:draft_id AS integer) AND g.code = e.code AND e.op = 'upsert'
-- ;;
INSERT INTO grid (code, name, level, kind, parent_code, lineage, is_leaf, geom, area_m2, households, population,
                  predecessors, exclave, draft_id, district_code)
SELECT e.code, e.name, e.level, e.kind, e.parent_code, '{}', e.kind = 'regular',
       ST_Multi(ST_GeomFromWKB(decode(e.wkb, 'hex'), 4326)), e.area_m2, e.households, e.population,
       e.predecessors, e.exclave, CAST(:draft_id AS integer),
       (SELECT v.district_code FROM boundary_version v WHERE v.id = CAST(:draft_id AS integer))
FROM plan_edit e
WHERE e.op = 'upsert'
  AND NOT EXISTS (SELECT 1 FROM grid g WHERE g.draft_id = CAST(:draft_id AS integer) AND g.code = e.code)
ORDER BY e.code
