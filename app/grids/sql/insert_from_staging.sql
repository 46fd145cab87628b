-- Store the validated grids of grid_import_staging in one version.
-- Ids are drawn up front so parents, lineage and leaf flags are worked out in
-- staging and every grid row is written exactly once: updating fresh rows
-- would leave dead tuples and bloat the GiST indexes that assignment probes.
-- :draft_id picks a draft's rows; NULL the current published ones. :district_code: the version's.
UPDATE grid_import_staging SET id = nextval(pg_get_serial_sequence('grid', 'id'))
-- ;;
ANALYZE grid_import_staging
-- ;;
UPDATE grid_import_staging s SET parent_id = p.id
FROM grid_import_staging p
WHERE p.code = s.parent_code
-- ;;
UPDATE grid_import_staging s SET parent_id = g.id
FROM grid g
WHERE s.parent_id IS NULL AND g.code = s.parent_code
  AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, NULL, CAST(:draft_id AS integer))
-- ;;
-- Lineage of the regular grids: from a root or a parent already stored, down through the file.
WITH RECURSIVE chain AS (
  SELECT s.id, CASE WHEN s.parent_id IS NULL THEN ARRAY[s.id] ELSE g.lineage || s.id END AS lineage
  FROM grid_import_staging s
  LEFT JOIN grid g ON g.id = s.parent_id
  WHERE s.kind = 'regular' AND (s.parent_id IS NULL OR g.id IS NOT NULL)
  UNION ALL
  SELECT s.id, chain.lineage || s.id
  FROM grid_import_staging s JOIN chain ON s.parent_id = chain.id
  WHERE s.kind = 'regular'
)
UPDATE grid_import_staging s SET lineage = chain.lineage
FROM chain WHERE s.id = chain.id
-- ;;
-- A dedicated grid overlays the tiling and shares its (regular) parent's lineage.
UPDATE grid_import_staging d SET lineage = coalesce(p.lineage, g.lineage)
FROM grid_import_staging d2
LEFT JOIN grid_import_staging p ON p.id = d2.parent_id
LEFT JOIN grid g ON g.id = d2.parent_id
WHERE d.id = d2.id AND d.kind = 'dedicated'
-- ;;
UPDATE grid_import_staging s SET is_leaf = false
WHERE s.kind = 'dedicated'
   OR s.id IN (SELECT parent_id FROM grid_import_staging WHERE kind = 'regular' AND parent_id IS NOT NULL)
-- ;;
INSERT INTO grid (id, code, name, level, kind, parent_id, parent_code, lineage, is_leaf, geom, area_m2,
                  households, population, generation_low, draft_id, district_code)
SELECT id, code, name, level, kind, parent_id, parent_code, lineage, is_leaf,
       ST_Multi(ST_GeomFromWKB(decode(wkb, 'hex'), 4326)), area_m2, households, population,
       CAST(:generation AS integer), CAST(:draft_id AS integer), :district_code
FROM grid_import_staging
ORDER BY id
-- ;;
-- Stored leaves that just received children stop being leaves (few rows).
UPDATE grid g SET is_leaf = false
WHERE g.is_leaf
  AND g.id IN (SELECT parent_id FROM grid_import_staging WHERE kind = 'regular' AND parent_id IS NOT NULL)
  AND g.id NOT IN (SELECT id FROM grid_import_staging)
