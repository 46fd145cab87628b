-- Escalate one group of overdue events (same from_state and level, so the
-- workflow's plan is the same for all): history rows and audit entries are
-- written from the rows as they were, then the rows are changed.
INSERT INTO report_transition (report_id, district_code, at, actor_id, actor, action, from_state, to_state, note,
                               details)
SELECT r.id, r.district_code, :now, NULL, 'system', 'escalate', :from_state, :to_state, :note,
       CAST(:details AS jsonb) || jsonb_build_object(
         'deadline', to_char(r.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
         'previous_assignee', r.assignee_id)
FROM report r
WHERE r.id = ANY(CAST(:ids AS bigint[]))
-- ;;
INSERT INTO audit_entry (district_code, actor_id, actor, via, ip, action, entity_type, entity_id, before, after)
SELECT r.district_code, NULL, 'system', :via, NULL, 'report.escalate', 'report', r.ticket,
       jsonb_build_object('status', r.status, 'level', r.handling_level, 'assignee_id', r.assignee_id,
                          'row_version', r.row_version),
       jsonb_build_object('status', CAST(:to_state AS text), 'level', CAST(:level AS text),
                          'assignee_id', CASE WHEN :clear_assignee THEN NULL ELSE r.assignee_id END,
                          'row_version', r.row_version + 1, 'reason', 'overdue')
FROM report r
WHERE r.id = ANY(CAST(:ids AS bigint[]))
-- ;;
UPDATE report r
SET status = :to_state, handling_level = :level,
    assignee_id = CASE WHEN :clear_assignee THEN NULL ELSE r.assignee_id END,
    handled_at = CASE WHEN :stop_clock THEN :now ELSE r.handled_at END,
    -- The database clock (the clock parameter, app.dbclock), not :now (the loop's clock): updated_at is the live feed's cursor.
    row_version = r.row_version + 1, updated_at = CAST(:clock AS timestamptz)
WHERE r.id = ANY(CAST(:ids AS bigint[]))
