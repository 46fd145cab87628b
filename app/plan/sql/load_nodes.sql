-- The grids of one draft an edit needs (app.plan.family): by code, the children of some
-- grids, and whole subtrees by code prefix (a child's code starts with its parent's).
-- Draft scope: the 6-argument grid_in_version (migration 0008) with :base = the generation
-- the draft was opened on. in_base: the code exists in that generation.
SELECT g.code, g.name, g.level, g.kind, g.parent_code, ST_AsBinary(g.geom) AS wkb,
       g.households, g.population, g.predecessors, g.exclave,
       EXISTS (SELECT 1 FROM grid b
               WHERE b.code = g.code AND b.draft_id IS NULL
                 AND b.generation_low <= CAST(:base AS integer)
                 AND (b.generation_high IS NULL OR b.generation_high >= CAST(:base AS integer))) AS in_base
FROM grid g
WHERE (grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,
                      CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR g.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  AND (g.code = ANY(CAST(:codes AS text[]))
       OR g.parent_code = ANY(CAST(:children_of AS text[]))
       OR g.code LIKE ANY(CAST(:prefixes AS text[])))
ORDER BY g.code
