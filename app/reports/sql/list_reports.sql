-- Reports as GeoJSON Feature text, newest first, with their grid on arrival.
SELECT json_build_object(
  'type', 'Feature',
  'id', r.ticket,
  'geometry', ST_AsGeoJSON(r.location, 6)::json,
  'properties', json_build_object(
    'id', r.id, 'ticket', r.ticket,
    'category', r.category, 'category_label', CAST(:category_labels AS jsonb) ->> r.category,
    'color', CAST(:category_colors AS jsonb) ->> r.category,
    'channel', r.channel, 'channel_label', CAST(:channel_labels AS jsonb) ->> r.channel,
    'status', r.status, 'status_label', CAST(:status_labels AS jsonb) ->> r.status,
    'description', r.description, 'address', r.address,
    -- Masked (migration 0006) unless the caller's role needs to call the reporter back.
    'reporter_name', CASE WHEN :personal THEN r.reporter_name ELSE gridmap_mask_name(r.reporter_name) END,
    'reporter_phone', CASE WHEN :personal THEN r.reporter_phone ELSE gridmap_mask_phone(r.reporter_phone) END,
    'grid_code', g.code, 'grid_name', g.name,
    'out_of_coverage', r.out_of_coverage,
    'created_at', to_char(r.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
    'age_hours', round((extract(epoch FROM now() - r.created_at) / 3600)::numeric, 1))
)::text AS feature
FROM report r
LEFT JOIN grid g ON g.id = r.grid_id
WHERE (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:category AS text) IS NULL OR r.category = :category)
  AND (CAST(:channel AS text) IS NULL OR r.channel = :channel)
  AND (CAST(:out_of_coverage AS boolean) IS NULL OR r.out_of_coverage = :out_of_coverage)
  AND (CAST(:grid_id AS integer) IS NULL OR r.grid_lineage @> ARRAY[CAST(:grid_id AS integer)])
  -- The caller's area (app.auth.scope): NULL is the whole district.
  AND (CAST(:area AS text[]) IS NULL OR EXISTS (
        SELECT 1 FROM grid a WHERE a.id = ANY(r.grid_lineage || r.dedicated_grid_ids)
          AND a.code = ANY(CAST(:area AS text[]))))
  AND (CAST(:minx AS double precision) IS NULL
       OR r.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
ORDER BY r.created_at DESC, r.id DESC
LIMIT :limit OFFSET :offset
