-- After rows were added to a version: point children at their parents, then
-- recompute lineage (district → self) and leaf flags for the whole version.
-- The version has a few thousand rows, so recomputing all of it is cheap and
-- keeps one code path for every kind of import.
UPDATE grid c SET parent_id = p.id
FROM grid p
WHERE c.parent_code = p.code
  AND c.parent_id IS DISTINCT FROM p.id
  AND grid_in_version(c.draft_id, c.generation_low, c.generation_high, NULL, CAST(:draft_id AS integer))
  AND grid_in_version(p.draft_id, p.generation_low, p.generation_high, NULL, CAST(:draft_id AS integer))
-- ;;
WITH RECURSIVE scope AS (
  SELECT id, parent_id, kind FROM grid g
  WHERE grid_in_version(g.draft_id, g.generation_low, g.generation_high, NULL, CAST(:draft_id AS integer))
), chain AS (
  SELECT id, ARRAY[id] AS lineage FROM scope WHERE parent_id IS NULL AND kind = 'regular'
  UNION ALL
  SELECT s.id, chain.lineage || s.id FROM scope s JOIN chain ON s.parent_id = chain.id
  WHERE s.kind = 'regular'
)
UPDATE grid g SET lineage = chain.lineage
FROM chain WHERE g.id = chain.id AND g.lineage IS DISTINCT FROM chain.lineage
-- ;;
-- A dedicated grid overlays the tiling: it shares its parent's lineage.
UPDATE grid d SET lineage = p.lineage, is_leaf = false
FROM grid p
WHERE d.parent_id = p.id AND d.kind = 'dedicated'
  AND (d.lineage IS DISTINCT FROM p.lineage OR d.is_leaf)
-- ;;
UPDATE grid g SET is_leaf = NOT EXISTS (
    SELECT 1 FROM grid c WHERE c.parent_id = g.id AND c.kind = 'regular')
WHERE g.kind = 'regular'
  AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, NULL, CAST(:draft_id AS integer))
