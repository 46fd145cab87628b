-- Write one edit (staged in plan_edit by app.plan.family.apply) into draft :draft_id.
-- The staged rows come as the parameter edit (plan_edit's rows as a JSON array, app.plan.family.write_staged),
-- not from the temporary table itself: Citus cannot modify a reference table (grid) from a local
-- table ("relation plan_edit is not distributed"), nor name the temporary table's row type on the
-- workers, hence the column list (plan_edit's, app.plan.family.stage); plain PostgreSQL runs the same.
-- Copy-on-write: a shared row of the base generation is never changed; the draft's id goes
-- into its ended_in_drafts and the draft gets its own row for the new state.
UPDATE grid g SET ended_in_drafts = g.ended_in_drafts || CAST(:draft_id AS integer)
FROM jsonb_to_recordset(CAST(:edit AS jsonb))
  AS e(code text, op text, name text, level text, kind text, parent_code text, households integer, population integer,
       predecessors varchar(17)[], area_m2 double precision, wkb text, exclave boolean)
WHERE g.code = e.code AND g.draft_id IS NULL
  AND (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
-- ;;
-- Draft rows about to go may still be the parent of others (fixed by normalize below).
UPDATE grid c SET parent_id = NULL
WHERE c.draft_id = CAST(:draft_id AS integer)
  AND c.parent_id IN (SELECT g.id FROM grid g JOIN jsonb_to_recordset(CAST(:edit AS jsonb))
  AS e(code text, op text, name text, level text, kind text, parent_code text, households integer, population integer,
       predecessors varchar(17)[], area_m2 double precision, wkb text, exclave boolean) ON e.code = g.code AND e.op = 'remove'
                      WHERE g.draft_id = CAST(:draft_id AS integer))
-- ;;
DELETE FROM grid g USING jsonb_to_recordset(CAST(:edit AS jsonb))
  AS e(code text, op text, name text, level text, kind text, parent_code text, households integer, population integer,
       predecessors varchar(17)[], area_m2 double precision, wkb text, exclave boolean)
WHERE g.draft_id = CAST(:draft_id AS integer) AND g.code = e.code AND e.op = 'remove'
-- ;;
UPDATE grid g
SET name = e.name, level = e.level, kind = e.kind, parent_code = e.parent_code,
    geom = ST_Multi(ST_GeomFromWKB(decode(e.wkb, 'hex'), 4326)), area_m2 = e.area_m2,
    households = e.households, population = e.population, predecessors = e.predecessors, exclave = e.exclave
FROM jsonb_to_recordset(CAST(:edit AS jsonb))
  AS e(code text, op text, name text, level text, kind text, parent_code text, households integer, population integer,
       predecessors varchar(17)[], area_m2 double precision, wkb text, exclave boolean)
WHERE g.draft_id = CAST(:draft_id AS integer) AND g.code = e.code AND e.op = 'upsert'
-- ;;
INSERT INTO grid (code, name, level, kind, parent_code, lineage, is_leaf, geom, area_m2, households, population,
                  predecessors, exclave, draft_id, district_code)
SELECT e.code, e.name, e.level, e.kind, e.parent_code, '{}', e.kind = 'regular',
       ST_Multi(ST_GeomFromWKB(decode(e.wkb, 'hex'), 4326)), e.area_m2, e.households, e.population,
       e.predecessors, e.exclave, CAST(:draft_id AS integer),
       (SELECT v.district_code FROM boundary_version v WHERE v.id = CAST(:draft_id AS integer))
FROM jsonb_to_recordset(CAST(:edit AS jsonb))
  AS e(code text, op text, name text, level text, kind text, parent_code text, households integer, population integer,
       predecessors varchar(17)[], area_m2 double precision, wkb text, exclave boolean)
WHERE e.op = 'upsert'
  -- Not a correlated NOT EXISTS, which Citus refuses next to a set-returning function.
  AND e.code NOT IN (SELECT g.code FROM grid g WHERE g.draft_id = CAST(:draft_id AS integer))
ORDER BY e.code
