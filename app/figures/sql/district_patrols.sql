-- Patrol time per district for the city's ranking (app.figures.districts): the seconds of the
-- daily roll-ups at grid level (patrols/rollup_grid.sql, the figures' own source) over the period's
-- Beijing days [:first, :last], and the district's current grids of level grid, for the hours per grid.
-- A crossing row counts when the period holds the day before too (as grid_figures_rollup.sql).
SELECT g.district_code,
       count(DISTINCT g.id) AS grids,
       coalesce(sum(d.seconds), 0) AS seconds
FROM grid_current g
LEFT JOIN patrol_day_grid d ON d.grid_id = g.id AND d.level = 'grid'
                           AND d.day BETWEEN :first AND :last AND (NOT d.crossing OR d.day > :first)
WHERE g.level = 'grid' AND g.kind = 'regular'
  AND (CAST(:district AS text) IS NULL OR g.district_code = :district)
GROUP BY g.district_code
