-- Active grid-worker accounts whose area covers an event (any grid of its
-- lineage or a dedicated grid), the most specific area first (a micro-grid
-- worker before the community's), with how many open events they hold.
SELECT u.id, u.username, u.display_name, u.phone,
       array_agg(DISTINCT a.grid_code ORDER BY a.grid_code) AS areas,
       (SELECT count(*) FROM report r
        WHERE r.assignee_id = u.id AND r.status NOT IN ('closed', 'cancelled')) AS open_events
FROM app_user u
JOIN user_area a ON a.user_id = u.id
JOIN grid g ON g.code = a.grid_code AND g.id = ANY(CAST(:grid_ids AS integer[]))
WHERE u.role = 'worker' AND u.active
GROUP BY u.id
ORDER BY max(cardinality(g.lineage)) DESC, open_events, u.username
