-- Event figures (事件统计) for the events reported in a period, one row per unit plus a total row.
-- Definitions: app/figures/events.py (and docs/figures.md). A unit is the ancestor grid at
-- :level of the event's current grid (COALESCE(current_lineage, grid_lineage)), grouped by code
-- so a reshaped grid's rows of several generations count as one; with :level NULL it is the
-- assignee (app_user id as text); with :level 'district' the event's district (report.district_code).
-- Events with no such ancestor / no assignee form the NULL unit.
WITH ev AS (
  SELECT r.status, r.created_at, r.closed_at, r.handled_at, r.deadline, r.rework_count,
         -- Overdue now: the one rule (gridmap_deadline_state, migration 0024), as on the home page and the desk.
         gridmap_deadline_state(r.status, r.deadline, r.warn_at, r.handled_at, CAST(:now AS timestamptz))
           = 'overdue' AS overdue_now,
         r.status = 'cancelled' AND r.duplicate_of IS NOT NULL AS merged,
         -- Handled or later; a suspended event that was handled keeps counting as handled.
         (r.status IN ('handled', 'verified', 'closed')
          OR (r.status = 'suspended' AND r.suspended_from IN ('handled', 'verified'))) AS handled,
         CASE WHEN CAST(:level AS text) IS NULL THEN r.assignee_id::text
              -- Per district (a city's ranking, issue 19): the event's own district, grid or none.
              WHEN :level = 'district' THEN r.district_code
              ELSE (SELECT a.code FROM grid a
                    WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)) AND a.level = :level
                    ORDER BY a.code LIMIT 1)
         END AS unit
  FROM report r
  WHERE r.created_at >= :t_from AND r.created_at < :t_to
    AND (CAST(:category AS text) IS NULL OR r.category = :category)
    AND (CAST(:big_class AS text) IS NULL OR left(r.category, 2) = :big_class)
    AND (CAST(:within AS text) IS NULL OR EXISTS (
          SELECT 1 FROM grid w WHERE w.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)) AND w.code = :within))
    -- The caller's district (app.auth.scope.event_district): NULL is every district (the city).
    AND (CAST(:district AS text) IS NULL OR r.district_code = :district)
    -- The caller's area (app.auth.scope), exactly as reports/list_reports.sql: NULL is the whole district.
    AND (CAST(:area AS text[]) IS NULL OR EXISTS (
          SELECT 1 FROM grid a WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)
                                               || COALESCE(r.current_dedicated_ids, r.dedicated_grid_ids))
            AND a.code = ANY(CAST(:area AS text[]))))
),
agg AS (
  SELECT GROUPING(unit) = 1 AS is_total, unit,
         count(*) AS reported,
         count(*) FILTER (WHERE status = 'cancelled' AND NOT merged) AS cancelled,
         count(*) FILTER (WHERE merged) AS merged,
         count(*) FILTER (WHERE status <> 'cancelled') AS valid,
         count(*) FILTER (WHERE handled) AS handled,
         count(*) FILTER (WHERE status = 'closed') AS closed,
         count(*) FILTER (WHERE status = 'closed' AND deadline IS NOT NULL AND handled_at IS NOT NULL)
           AS closed_with_deadline,
         count(*) FILTER (WHERE status = 'closed' AND handled_at <= deadline) AS closed_on_time,
         -- Rework needs a handling first, so a reworked event was handled at least once.
         count(*) FILTER (WHERE status <> 'cancelled' AND (handled OR rework_count > 0)) AS handled_ever,
         count(*) FILTER (WHERE status <> 'cancelled' AND rework_count > 0) AS reworked,
         count(*) FILTER (WHERE overdue_now) AS overdue,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at) / 3600.0)
           FILTER (WHERE status = 'closed' AND closed_at IS NOT NULL) AS median_hours_to_close
  FROM ev
  GROUP BY GROUPING SETS ((unit), ())
),
-- Units shown even with no event: the current regular grids of :level that overlap the caller's
-- area and the subdistrict asked for (one contains the other), or the active worker accounts
-- whose grids overlap them.
units AS (
  SELECT d.code AS unit
  FROM district d
  WHERE :level = 'district' AND (CAST(:district AS text) IS NULL OR d.code = :district)
  UNION
  SELECT g.code AS unit
  FROM grid_current g
  WHERE CAST(:level AS text) IS NOT NULL AND g.level = :level AND g.level <> 'district' AND g.kind = 'regular'
    AND (CAST(:district AS text) IS NULL OR g.district_code = :district)
    AND (CAST(:within AS text) IS NULL OR EXISTS (
          SELECT 1 FROM grid_current w WHERE w.code = :within
            AND (w.id = ANY(g.lineage) OR g.id = ANY(w.lineage))))
    AND (CAST(:area AS text[]) IS NULL OR EXISTS (
          SELECT 1 FROM grid_current a WHERE a.code = ANY(CAST(:area AS text[]))
            AND (a.id = ANY(g.lineage) OR g.id = ANY(a.lineage))))
  UNION
  SELECT u.id::text
  FROM app_user u
  WHERE CAST(:level AS text) IS NULL AND u.role = 'worker' AND u.active
    AND (CAST(:district AS text) IS NULL OR u.district_code = :district)
    AND ((CAST(:area AS text[]) IS NULL AND CAST(:within AS text) IS NULL) OR EXISTS (
          SELECT 1 FROM user_area ua
          JOIN grid_current g ON g.code = ua.grid_code
          WHERE ua.user_id = u.id
            AND (CAST(:within AS text) IS NULL OR EXISTS (
                  SELECT 1 FROM grid_current w WHERE w.code = :within
                    AND (w.id = ANY(g.lineage) OR g.id = ANY(w.lineage))))
            AND (CAST(:area AS text[]) IS NULL OR EXISTS (
                  SELECT 1 FROM grid_current a WHERE a.code = ANY(CAST(:area AS text[]))
                    AND (a.id = ANY(g.lineage) OR g.id = ANY(a.lineage))))))
),
per_unit AS (
  SELECT unit, false AS is_total, a.reported, a.cancelled, a.merged, a.valid, a.handled, a.closed,
         a.closed_with_deadline, a.closed_on_time, a.handled_ever, a.reworked, a.overdue, a.median_hours_to_close
  FROM units FULL JOIN (SELECT * FROM agg WHERE NOT is_total) a USING (unit)
  UNION ALL
  SELECT NULL, true, reported, cancelled, merged, valid, handled, closed, closed_with_deadline, closed_on_time,
         handled_ever, reworked, overdue, median_hours_to_close
  FROM agg WHERE is_total
)
SELECT p.is_total, p.unit,
       coalesce(n.name, dn.name) AS grid_name, n.parent_code, pn.name AS parent_name,
       w.id AS user_id, w.username, nullif(w.display_name, '') AS display_name,
       COALESCE(p.reported, 0) AS reported, COALESCE(p.cancelled, 0) AS cancelled,
       COALESCE(p.merged, 0) AS merged, COALESCE(p.valid, 0) AS valid, COALESCE(p.handled, 0) AS handled,
       COALESCE(p.closed, 0) AS closed, COALESCE(p.closed_with_deadline, 0) AS closed_with_deadline,
       COALESCE(p.closed_on_time, 0) AS closed_on_time, COALESCE(p.handled_ever, 0) AS handled_ever,
       COALESCE(p.reworked, 0) AS reworked, COALESCE(p.overdue, 0) AS overdue, p.median_hours_to_close
FROM per_unit p
-- The name of a grid code: its current row, else its latest published one.
LEFT JOIN LATERAL (
  SELECT g.name, g.parent_code FROM grid g
  WHERE CAST(:level AS text) IS NOT NULL AND g.code = p.unit AND g.draft_id IS NULL
  ORDER BY g.generation_high IS NULL DESC, g.generation_low DESC
  LIMIT 1) n ON true
-- Its parent's name the same way: grids of different communities share names (第1网格).
LEFT JOIN LATERAL (
  SELECT g.name FROM grid g
  WHERE g.code = n.parent_code AND g.draft_id IS NULL
  ORDER BY g.generation_high IS NULL DESC, g.generation_low DESC
  LIMIT 1) pn ON true
LEFT JOIN app_user w ON CAST(:level AS text) IS NULL AND w.id::text = p.unit
LEFT JOIN district dn ON :level = 'district' AND dn.code = p.unit
