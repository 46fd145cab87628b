-- The audit row of a report filed one at a time (the API, Open311, the resident page), written in its
-- intake's round trip (app.reports.service.create_report) rather than flushed by the ORM at the commit.
-- The reporter's name, phone, e-mail and device stay out of the log (data minimisation); of the photos
-- only their number (a picture may show the reporter or a neighbour). The district is the report's.
INSERT INTO audit_entry (district_code, actor_id, actor, via, ip, action, entity_type, entity_id, after)
SELECT r.district_code, CAST(:audit_actor_id AS integer), :audit_actor, :audit_via, :audit_ip,
       'report.create', 'report', r.ticket,
       jsonb_build_object('category', r.category, 'channel', r.channel, 'description', r.description,
                          'address', r.address, 'status', r.status, 'grid_id', r.grid_id,
                          'out_of_coverage', r.out_of_coverage, 'photos', cardinality(r.media_urls))
FROM report_intake i
JOIN report r ON r.district_code = i.district_code AND r.id = i.id
