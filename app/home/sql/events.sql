-- The home page's event figures, in one pass over the caller's events.
-- Overdue and due soon by the one rule (gridmap_deadline_state, migration 0024), which the
-- desk's deadline filter applies too: the card's number is the length of the list it opens.
-- "today" starts at :today_from, the Beijing midnight of the event loop's clock
-- (app.events.deadlines.day_start): the desk's reported=today filter uses the same moment.
SELECT count(*) FILTER (WHERE r.status = ANY(CAST(:open_statuses AS text[]))) AS open,
       count(*) FILTER (WHERE d.state = 'overdue') AS overdue,
       count(*) FILTER (WHERE d.state = 'due_soon') AS due_soon,
       count(*) FILTER (WHERE r.status = 'reported') AS new,
       count(*) FILTER (WHERE r.needs_placement AND r.status = ANY(CAST(:open_statuses AS text[]))) AS unplaced,
       count(*) FILTER (WHERE r.out_of_coverage AND NOT r.needs_placement
                          AND r.status = ANY(CAST(:open_statuses AS text[]))) AS out_of_coverage,
       count(*) FILTER (WHERE r.created_at >= CAST(:today_from AS timestamptz)) AS today,
       count(*) AS total
FROM report r
CROSS JOIN LATERAL (SELECT gridmap_deadline_state(r.status, r.deadline, r.warn_at, r.handled_at,
                                                  CAST(:now AS timestamptz)) AS state) d
-- The caller's area (app.auth.scope), as the report list scopes it: NULL is the whole district.
-- and district (app.auth.scope.event_district): NULL is every district (the city).
WHERE (CAST(:district AS text) IS NULL OR r.district_code = :district)
  AND (CAST(:area AS text[]) IS NULL OR EXISTS (
        SELECT 1 FROM grid a WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)
                                             || COALESCE(r.current_dedicated_ids, r.dedicated_grid_ids))
          AND a.code = ANY(CAST(:area AS text[]))))
