-- Cut each listed grid into its cells once (cached by grid row and cell size;
-- a grid row never changes shape). The definition is geo.patrol.visited_cells:
-- the grid projected to an azimuthal equidistant projection centred on its
-- planar lon/lat centroid, squares of cell_m metres aligned to that centre
-- (ST_SquareGrid aligns to the origin), a cell kept when at least min_part of
-- its area is inside. The proj string is stored to project tracks the same way.
-- A grid valid in degrees may not be once projected: a straight edge in degrees is not straight
-- in metres, so two pieces of a grid a few millimetres apart (or touching) can cross there. The
-- projected grid is made valid right where it is made (structure method: the union of its
-- pieces, polygonal), so every overlay below, and the cells kept for the figures, work on a valid
-- shape (geo.patrol.visited_cells does the same).
-- Cells left behind by a grid row that is gone (the cell table has no foreign key).
DELETE FROM patrol_grid_cell c
WHERE c.grid_id = ANY(CAST(:grid_ids AS integer[])) AND c.cell_m = :cell_m
  AND NOT EXISTS (SELECT 1 FROM patrol_grid_cellset cs WHERE cs.grid_id = c.grid_id AND cs.cell_m = c.cell_m)
-- ;;
WITH todo AS (
  SELECT g.id,
         format('+proj=aeqd +lat_0=%s +lon_0=%s +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
                ST_Y(ST_Centroid(g.geom)), ST_X(ST_Centroid(g.geom))) AS proj,
         g.geom
  FROM grid g
  WHERE g.id = ANY(CAST(:grid_ids AS integer[]))
    AND NOT EXISTS (SELECT 1 FROM patrol_grid_cellset cs WHERE cs.grid_id = g.id AND cs.cell_m = :cell_m)
),
projected AS MATERIALIZED (
  SELECT t.id, t.proj, ST_MakeValid(ST_Transform(t.geom, t.proj), 'method=structure') AS pm FROM todo t
),
kept AS MATERIALIZED (
  -- Cells wholly inside are their own part (prepared-geometry test, no overlay);
  -- only the cells on the boundary are cut.
  SELECT c.id, c.i, c.j, c.part
  FROM (SELECT p.id, sq.i, sq.j,
               CASE WHEN ST_Contains(p.pm, sq.geom) THEN sq.geom ELSE ST_Intersection(sq.geom, p.pm) END AS part
        FROM projected p CROSS JOIN LATERAL ST_SquareGrid(:cell_m, p.pm) sq
        WHERE ST_Intersects(sq.geom, p.pm)
        OFFSET 0) c  -- OFFSET 0: compute each part once
  WHERE ST_Area(c.part) >= :min_part * :cell_m * :cell_m
),
cells AS (
  INSERT INTO patrol_grid_cell (grid_id, cell_m, i, j, part)
  SELECT k.id, :cell_m, k.i, k.j, k.part FROM kept k
  ON CONFLICT DO NOTHING
)
INSERT INTO patrol_grid_cellset (grid_id, cell_m, proj, total)
SELECT p.id, :cell_m, p.proj, coalesce(n.total, 0)
FROM projected p
LEFT JOIN (SELECT k.id, count(*) AS total FROM kept k GROUP BY k.id) n ON n.id = p.id
ON CONFLICT DO NOTHING
