-- After rows were added to a version: point children at their parents, then
-- recompute lineage (district → self) and leaf flags for the whole version.
-- The version has a few thousand rows, so recomputing all of it is cheap and
-- keeps one code path for every kind of import.
UPDATE grid c SET parent_id = p.id
FROM grid p
WHERE c.parent_code = p.code
  AND c.parent_id IS DISTINCT FROM p.id
  AND (CASE WHEN CAST(:draft_id AS integer) IS NOT NULL THEN c.draft_id = :draft_id AND p.draft_id = :draft_id
            ELSE c.generation_high IS NULL AND c.draft_id IS NULL
                 AND p.generation_high IS NULL AND p.draft_id IS NULL END)
-- ;;
WITH RECURSIVE scope AS (
  SELECT id, parent_id, kind FROM grid g
  WHERE (CASE WHEN CAST(:draft_id AS integer) IS NOT NULL THEN g.draft_id = :draft_id
              ELSE g.generation_high IS NULL AND g.draft_id IS NULL END)
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
  AND (CASE WHEN CAST(:draft_id AS integer) IS NOT NULL THEN g.draft_id = :draft_id
            ELSE g.generation_high IS NULL AND g.draft_id IS NULL END)
