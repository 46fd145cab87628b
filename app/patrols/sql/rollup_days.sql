-- Each day of [:first, :last] with fixes (a patrol_day_version row), per district, and the state of one
-- scope's roll-up rows of it (basis :basis): the one definition of a stale day (app.patrols.rollup) and
-- of what a reader of the roll-ups gets (app.patrols.freshness).
--   missing:  never computed for the scope: a period's sums lack the day
--   outdated: computed on another basis or for another version: its rows are as of computed_at
--   stale:    to compute: missing, on another basis, or for another version and computed longer ago
--             than the allowed lag (at or before :fresh_after)
SELECT v.day, v.district_code, v.version, s.computed_at,
       s.day IS NULL AS missing,
       s.day IS NOT NULL AND (s.basis <> :basis OR s.version <> v.version) AS outdated,
       (s.day IS NULL OR s.basis <> :basis OR (s.version <> v.version AND s.computed_at <= :fresh_after)) AS stale
FROM patrol_day_version v
LEFT JOIN patrol_rollup_state s ON s.district_code = v.district_code AND s.day = v.day AND s.scope = :scope
WHERE v.day BETWEEN :first AND :last
ORDER BY v.day, v.district_code
