-- The edit log entry of a set-based level import (app.plan.level_import), built where the rows are:
-- before and after hold every code plan_edit touches, as app.plan.family.node_to_json writes a grid
-- (geometry as upper-case WKB hex, so undo restores it bit for bit); source holds the features read
-- (a rebase replays the import from them, app.plan.rebase). Built as json text and cast once: building
-- jsonb object by object costs several times more for thousands of grids.
-- Answers the three as json text; app.plan.level_import writes them into draft_operation as parameters:
-- Citus cannot modify a reference table (draft_operation) from the temporary tables plan_edit and
-- plan_import, even in a sub-select (plain PostgreSQL runs the same two statements).
SELECT CAST(x.before AS text) AS before, CAST(x.after AS text) AS after, CAST(x.source AS text) AS source
FROM (
  SELECT
    (SELECT coalesce(json_object_agg(e.code, CASE WHEN o.code IS NULL THEN NULL ELSE json_build_object(
              'code', o.code, 'name', o.name, 'level', o.level, 'kind', o.kind, 'parent_code', o.parent_code,
              'households', o.households, 'population', o.population, 'predecessors', to_json(o.predecessors),
              'in_base', EXISTS (SELECT 1 FROM grid b WHERE b.code = o.code AND b.district_code = o.district_code AND b.draft_id IS NULL
                                   AND b.generation_low <= CAST(:base AS integer)
                                   AND (b.generation_high IS NULL OR b.generation_high >= CAST(:base AS integer))),
              'exclave', o.exclave, 'wkb', upper(encode(ST_AsBinary(o.geom), 'hex'))) END), CAST('{}' AS json))
     FROM plan_edit e
     LEFT JOIN grid o ON o.code = e.code
      AND (grid_in_version(o.draft_id, o.generation_low, o.generation_high, o.ended_in_drafts,
                          CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR o.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))) AS before,
    (SELECT coalesce(json_object_agg(e.code, CASE WHEN e.op = 'remove' THEN NULL ELSE json_build_object(
              'code', e.code, 'name', e.name, 'level', e.level, 'kind', e.kind, 'parent_code', e.parent_code,
              'households', e.households, 'population', e.population, 'predecessors', to_json(e.predecessors),
              'in_base', o.code IS NOT NULL AND EXISTS (
                  SELECT 1 FROM grid b WHERE b.code = o.code AND b.district_code = o.district_code AND b.draft_id IS NULL
                    AND b.generation_low <= CAST(:base AS integer)
                    AND (b.generation_high IS NULL OR b.generation_high >= CAST(:base AS integer))),
              'exclave', e.exclave, 'wkb', upper(e.wkb)) END), CAST('{}' AS json))
     FROM plan_edit e
     LEFT JOIN grid o ON o.code = e.code
      AND (grid_in_version(o.draft_id, o.generation_low, o.generation_high, o.ended_in_drafts,
                          CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR o.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))) AS after,
    (SELECT json_build_object('features', coalesce(json_agg(json_build_object(
              'code', s.code, 'name', s.name, 'level', s.level, 'kind', s.kind, 'parent_code', s.parent_code,
              'households', s.households, 'population', s.population, 'predecessors', CAST('[]' AS json),
              'in_base', false, 'exclave', false, 'wkb', upper(encode(ST_AsBinary(s.geom), 'hex'))) ORDER BY s.idx), CAST('[]' AS json)))
     FROM plan_import s) AS source
) x
