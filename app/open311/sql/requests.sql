-- Service requests for Open311 GeoReport v2 (app.open311.service), newest first.
-- Public fields only: the reporter's name, phone, email and device are never
-- selected, and the description goes out as roles without reports:personal
-- see it (migration 0021): the reporter's own name, phone and e-mail, and every
-- phone, landline, ID number and e-mail address in the text, masked.
-- The first photo link is GeoReport's one media_url.
SELECT r.ticket,
       r.status,
       r.category,
       gridmap_mask_free_text(r.description, r.reporter_name, r.reporter_phone, r.reporter_email) AS description,
       r.handling_level,
       agency.name AS agency,
       dup.ticket AS duplicate_of,
       to_char(r.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS requested,
       to_char(r.updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS updated,
       to_char(r.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS expected,
       -- The report's own address; without one, the standard address it was geocoded to.
       coalesce(nullif(btrim(r.address), ''), std.full_text) AS address,
       r.address_id,
       ST_Y(r.location) AS lat,
       ST_X(r.location) AS lon,
       r.media_urls[1] AS media_url,
       r.needs_placement,
       r.out_of_coverage
FROM report r
-- The unit at the event's handling level (grid, community, subdistrict; a
-- department is one of the district's), in its current grid chain.
LEFT JOIN LATERAL (
  SELECT g.name FROM grid g
  WHERE g.id = ANY(COALESCE(r.current_lineage, r.grid_lineage))
    AND g.level = CASE WHEN r.handling_level = 'department' THEN 'district' ELSE r.handling_level END
  ORDER BY g.id LIMIT 1
) agency ON true
LEFT JOIN report dup ON dup.district_code = r.district_code AND dup.id = r.duplicate_of
-- The standard address (标准地址) it was geocoded to on intake (migration 0017).
LEFT JOIN standard_address std ON std.district_code = r.district_code AND std.id = r.address_id
-- jurisdiction_id (a district of this deployment; NULL: all of them), and the reader's own district
-- (app.auth.scope.event_district; NULL for the city's users and public reading).
WHERE (CAST(:jurisdiction AS text) IS NULL OR r.district_code = :jurisdiction)
  AND (CAST(:district AS text) IS NULL OR r.district_code = :district)
  -- The reader's area (app.auth.scope) when reading is not public: NULL is the whole district.
  AND (CAST(:area AS text[]) IS NULL OR EXISTS (
        SELECT 1 FROM grid a WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)
                                             || COALESCE(r.current_dedicated_ids, r.dedicated_grid_ids))
          AND a.code = ANY(CAST(:area AS text[]))))
  -- service_request_id overrides every other filter (GeoReport v2).
  AND (CASE WHEN CAST(:tickets AS text[]) IS NOT NULL THEN r.ticket = ANY(CAST(:tickets AS text[]))
       ELSE (CAST(:codes AS text[]) IS NULL OR r.category = ANY(CAST(:codes AS text[])))
        AND (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
        AND r.created_at >= CAST(:start AS timestamptz) AND r.created_at <= CAST(:end AS timestamptz)
       END)
ORDER BY r.created_at DESC, r.id DESC
LIMIT :limit OFFSET :offset
