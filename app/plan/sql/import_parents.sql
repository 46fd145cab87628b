-- The parent of every feature of a level import (staged in plan_import by app.plan.level_import), in
-- draft :draft_id (:base = its base generation), and whether the feature lies inside it. Set-based: one
-- statement per step for the whole file. A feature that fails gets plan_import.reason (listed by index).
--
-- 0. The features' areas: geodesic, GeographicLib's as geo.crs.geodesic_area_m2 computes them, set-based.
UPDATE plan_import SET area_m2 = ST_Area(CAST(geom AS geography))
-- ;;
-- 1. A parent the file names must be a grid of the draft at the level above, under :scope (the part of
--    the draft the import replaces), and regular for a regular feature.
UPDATE plan_import s
SET found_level = x.level,
    reason = CASE WHEN x.level IS NULL THEN 'unknown_parent'
                  WHEN x.level <> :parent_level THEN 'parent_level'
                  WHEN s.kind = 'regular' AND x.kind = 'dedicated' THEN 'parent_kind'
                  WHEN x.code NOT LIKE :scope || '%' THEN 'outside_scope' END
FROM (
  SELECT s2.idx, p.code, p.level, p.kind
  FROM plan_import s2
  LEFT JOIN grid p ON p.code = s2.parent_code
   AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                       CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  WHERE s2.parent_from = 'file'
) x
WHERE s.idx = x.idx AND s.reason IS NULL
-- ;;
-- 2. A feature without parent_code belongs to the grid of the level above that covers it (a regular
--    feature: a regular grid) ...
UPDATE plan_import s SET parent_code = x.code
FROM (
  SELECT DISTINCT ON (s2.idx) s2.idx, p.code
  FROM plan_import s2
  JOIN grid p ON p.level = :parent_level AND ST_Covers(p.geom, s2.geom)
   AND (s2.kind = 'dedicated' OR p.kind = 'regular')
   AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                       CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  WHERE s2.parent_from = 'containment' AND s2.reason IS NULL
  ORDER BY s2.idx, p.code
) x
WHERE s.idx = x.idx
-- ;;
-- 3. ... or else to the one holding the largest part of it (an outline drawn by hand overshoots its
--    parent a little; step 5 decides whether the overshoot is within the tolerance).
UPDATE plan_import s SET parent_code = x.code
FROM (
  SELECT DISTINCT ON (s2.idx) s2.idx, p.code
  FROM plan_import s2
  JOIN grid p ON p.level = :parent_level AND ST_Intersects(p.geom, s2.geom)
   AND (s2.kind = 'dedicated' OR p.kind = 'regular')
   AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                       CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  WHERE s2.parent_from = 'containment' AND s2.parent_code IS NULL AND s2.reason IS NULL
  ORDER BY s2.idx, ST_Area(ST_Intersection(p.geom, s2.geom)) DESC, p.code
) x
WHERE s.idx = x.idx
-- ;;
-- 4. A parent found by containment must be under :scope, and the feature's code must start with its code.
UPDATE plan_import
SET reason = CASE WHEN parent_code IS NULL THEN 'no_parent'
                  WHEN parent_code NOT LIKE :scope || '%' THEN 'outside_scope'
                  WHEN code NOT LIKE parent_code || '%' THEN 'code_parent_mismatch' END
WHERE parent_from = 'containment' AND reason IS NULL
-- ;;
-- 5. Inside the parent: covered, or overhanging by at most max(:overhang_min, :overhang_ratio * area)
--    (the rule of geo.containment, whose constants these are; areas geodesic, as geo.crs measures them).
--    The overhang is the area the intersection with the parent lacks (one overlay, reused to clip).
UPDATE plan_import s SET covered = ST_Covers(p.geom, s.geom)
FROM grid p
WHERE s.reason IS NULL AND p.code = s.parent_code AND p.level = :parent_level
  AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                      CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
-- ;;
UPDATE plan_import s SET inside = x.inside
FROM (
  SELECT s2.idx, ST_CollectionExtract(ST_Intersection(s2.geom, p.geom), 3) AS inside
  FROM plan_import s2
  JOIN grid p ON p.code = s2.parent_code AND p.level = :parent_level
   AND (grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,
                       CAST(:base AS integer), CAST(:draft_id AS integer))
       AND (CAST(:draft_id AS integer) IS NULL
            OR p.district_code = (SELECT dv.district_code FROM boundary_version dv WHERE dv.id = CAST(:draft_id AS integer))))
  WHERE s2.reason IS NULL AND NOT s2.covered
) x
WHERE s.idx = x.idx
-- ;;
UPDATE plan_import
SET outside_m2 = GREATEST(area_m2 - coalesce(ST_Area(CAST(inside AS geography)), 0), 0),
    tolerance_m2 = GREATEST(CAST(:overhang_min AS double precision), CAST(:overhang_ratio AS double precision) * area_m2)
WHERE reason IS NULL AND NOT covered
-- ;;
UPDATE plan_import SET reason = 'outside_parent'
WHERE reason IS NULL AND NOT covered AND outside_m2 > tolerance_m2
-- ;;
-- 6. An overhang within the tolerance is clipped off: the polygons of the intersection, each of at least
--    :sliver m² (geo.containment.SLIVER_M2), RFC 7946 winding.
UPDATE plan_import s SET geom = x.geom, area_m2 = x.area_m2, clipped = true
FROM (
  SELECT s2.idx, ST_ForcePolygonCCW(ST_Multi(ST_Collect(d.geom ORDER BY d.path))) AS geom,
         sum(ST_Area(CAST(d.geom AS geography))) AS area_m2
  FROM plan_import s2
  CROSS JOIN LATERAL ST_Dump(s2.inside) d
  WHERE s2.reason IS NULL AND NOT s2.covered
    AND ST_Area(CAST(d.geom AS geography)) >= CAST(:sliver AS double precision)
  GROUP BY s2.idx
) x
WHERE s.idx = x.idx
-- ;;
-- Nothing left once clipped: only a feature smaller than its own tolerance.
UPDATE plan_import SET reason = 'outside_parent' WHERE reason IS NULL AND NOT covered AND NOT clipped
