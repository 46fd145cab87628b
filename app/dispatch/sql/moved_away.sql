-- Events moved out of :district (交办/转办, app.events.transfer) since the feed's cursor: no query
-- scoped to the district can name them any more, so the desk learns here to drop them.
SELECT DISTINCT r.ticket
FROM report r
JOIN report_transition t ON t.report_id = r.id AND t.district_code = r.district_code
WHERE r.updated_at > CAST(:since AS timestamptz)
  AND r.district_code <> :district
  AND t.action = 'transfer'
  AND t.details ->> 'from_district' = :district
