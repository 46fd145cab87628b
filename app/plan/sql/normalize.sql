-- Keep draft :draft_id consistent after an edit, one :level at a time from the district down
-- (app.plan.family.normalize runs these statements for each level in turn).
--
-- 1. Share again what is back to the base state (after an undo, or an edit reverted by hand):
--    a draft row equal to the base row of its code, whose parent is still the shared one and
--    whose leaf status is the base row's, is dropped and the base row shown again.
--    The pairs (draft row, base row) are read by app.plan.family.normalize and come back as the
--    arrays draft_rows and base_rows: Citus cannot change grid (a reference table) from a
--    temporary table.
SELECT d.id AS draft_row, b.id AS base_row
FROM grid d
JOIN grid b ON b.code = d.code AND b.draft_id IS NULL
  AND b.generation_low <= CAST(:base AS integer)
  AND (b.generation_high IS NULL OR b.generation_high >= CAST(:base AS integer))
  AND b.ended_in_drafts @> ARRAY[CAST(:draft_id AS integer)]
WHERE d.draft_id = CAST(:draft_id AS integer) AND d.level = :level
  AND d.name = b.name AND d.kind = b.kind AND d.parent_code IS NOT DISTINCT FROM b.parent_code
  AND d.households IS NOT DISTINCT FROM b.households AND d.population IS NOT DISTINCT FROM b.population
  AND d.predecessors = b.predecessors AND d.exclave = b.exclave
  AND ST_AsBinary(d.geom) = ST_AsBinary(b.geom)
  AND (b.parent_id IS NULL OR EXISTS (
        SELECT 1 FROM grid p WHERE p.id = b.parent_id
          AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                              CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))))
  AND b.is_leaf = (d.kind = 'regular' AND NOT EXISTS (
        SELECT 1 FROM grid c WHERE c.parent_code = d.code AND c.kind = 'regular'
          AND (grid_in_version(c.draft_id, c.generation_low, c.generation_high, c.ended_in_drafts,
                              CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR c.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))))
-- ;;
UPDATE grid c SET parent_id = p.base_row
FROM unnest(CAST(:draft_rows AS integer[]), CAST(:base_rows AS integer[])) AS p(draft_row, base_row)
WHERE c.parent_id = p.draft_row
-- ;;
UPDATE grid b SET ended_in_drafts = array_remove(b.ended_in_drafts, CAST(:draft_id AS integer))
WHERE b.id = ANY(CAST(:base_rows AS integer[]))
-- ;;
DELETE FROM grid d WHERE d.id = ANY(CAST(:draft_rows AS integer[]))
-- ;;
-- 2. Copy-on-write down the tree: a shared row whose parent is now the draft's own row (its
--    parent_id and lineage would be wrong), or whose leaf status changed, gets a draft copy.
WITH cow AS (
  SELECT s.id FROM grid s
  WHERE s.level = :level AND s.draft_id IS NULL
    AND (grid_in_version(s.draft_id, s.generation_low, s.generation_high, s.ended_in_drafts,
                        CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR s.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
    AND (EXISTS (SELECT 1 FROM grid p WHERE p.draft_id = CAST(:draft_id AS integer) AND p.code = s.parent_code)
         OR s.is_leaf <> (s.kind = 'regular' AND NOT EXISTS (
              SELECT 1 FROM grid c WHERE c.parent_code = s.code AND c.kind = 'regular'
                AND (grid_in_version(c.draft_id, c.generation_low, c.generation_high, c.ended_in_drafts,
                                    CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR c.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer)))))))
), copied AS (
  INSERT INTO grid (code, name, level, kind, parent_code, parent_id, lineage, is_leaf, geom, area_m2, households,
                    population, predecessors, exclave, draft_id, district_code)
  SELECT s.code, s.name, s.level, s.kind, s.parent_code, s.parent_id, s.lineage, s.is_leaf, s.geom, s.area_m2,
         s.households, s.population, s.predecessors, s.exclave, CAST(:draft_id AS integer), s.district_code
  FROM grid s JOIN cow ON cow.id = s.id
  RETURNING id
)
UPDATE grid s SET ended_in_drafts = s.ended_in_drafts || CAST(:draft_id AS integer)
FROM cow WHERE s.id = cow.id
-- ;;
-- 3. The draft's own rows of this level point at their parent as the draft sees it.
UPDATE grid d
SET parent_id = x.parent_id, lineage = x.lineage, is_leaf = x.is_leaf
FROM (
  SELECT d2.id, p.id AS parent_id,
         CASE WHEN p.id IS NULL THEN ARRAY[d2.id]
              WHEN d2.kind = 'regular' THEN p.lineage || d2.id ELSE p.lineage END AS lineage,
         d2.kind = 'regular' AND NOT EXISTS (
           SELECT 1 FROM grid c WHERE c.parent_code = d2.code AND c.kind = 'regular'
             AND (grid_in_version(c.draft_id, c.generation_low, c.generation_high, c.ended_in_drafts,
                                 CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR c.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))) AS is_leaf
  FROM grid d2
  LEFT JOIN grid p ON p.code = d2.parent_code
   AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                       CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  WHERE d2.draft_id = CAST(:draft_id AS integer) AND d2.level = :level
) x
WHERE d.id = x.id
  AND (d.parent_id IS DISTINCT FROM x.parent_id OR d.lineage IS DISTINCT FROM x.lineage
       OR d.is_leaf IS DISTINCT FROM x.is_leaf)
