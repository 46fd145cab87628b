-- New events (reported, not yet accepted) in the caller's area: the desk's counter and tab title
-- (app.dispatch.queue.new_events), asked on every poll, so it reads through ix_report_status_created.
-- The caller's area (app.auth.scope), as reports/list_reports.sql scopes it: NULL is the whole district.
SELECT count(*)
FROM report r
WHERE r.status = 'reported'
  -- The caller's district (app.auth.scope.event_district): NULL is every district (the city).
  AND (CAST(:district AS text) IS NULL OR r.district_code = :district)
  AND (CAST(:area AS text[]) IS NULL OR EXISTS (
        SELECT 1 FROM grid a WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)
                                             || COALESCE(r.current_dedicated_ids, r.dedicated_grid_ids))
          AND a.code = ANY(CAST(:area AS text[]))))
