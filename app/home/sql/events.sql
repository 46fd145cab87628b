-- The home page's event figures, in one pass over the caller's events.
-- Overdue and due soon as app.events.deadlines.state() spells them for events
-- being handled (dispatched, in progress); "today" is the Beijing calendar day of :now, the
-- event loop's clock (app.events.deadlines.now), which also stamps created_at at intake.
SELECT count(*) FILTER (WHERE r.status = ANY(CAST(:open_statuses AS text[]))) AS open,
       count(*) FILTER (WHERE r.status IN ('dispatched', 'in_progress') AND r.deadline IS NOT NULL
                          AND CAST(:now AS timestamptz) > r.deadline) AS overdue,
       count(*) FILTER (WHERE r.status IN ('dispatched', 'in_progress') AND r.deadline IS NOT NULL
                          AND CAST(:now AS timestamptz) <= r.deadline
                          AND CAST(:now AS timestamptz) >= r.warn_at) AS due_soon,
       count(*) FILTER (WHERE r.needs_placement AND r.status = ANY(CAST(:open_statuses AS text[]))) AS unplaced,
       count(*) FILTER (WHERE r.out_of_coverage AND NOT r.needs_placement
                          AND r.status = ANY(CAST(:open_statuses AS text[]))) AS out_of_coverage,
       count(*) FILTER (WHERE r.created_at >= date_trunc('day', CAST(:now AS timestamptz) AT TIME ZONE 'Asia/Shanghai')
                                                 AT TIME ZONE 'Asia/Shanghai') AS today,
       count(*) AS total
FROM report r
-- The caller's area (app.auth.scope), as the report list scopes it: NULL is the whole district.
WHERE CAST(:area AS text[]) IS NULL OR EXISTS (
        SELECT 1 FROM grid a WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)
                                             || COALESCE(r.current_dedicated_ids, r.dedicated_grid_ids))
          AND a.code = ANY(CAST(:area AS text[])))
