-- Reports as GeoJSON Feature text, newest first (or soonest deadline first, events being handled first),
-- with their grid on arrival and their place in the closed loop.
SELECT json_build_object(
  'type', 'Feature',
  'id', r.ticket,
  'geometry', ST_AsGeoJSON(r.location, 6)::json,
  'properties', json_build_object(
    'id', r.id, 'ticket', r.ticket, 'district_code', r.district_code,
    'category', r.category, 'category_label', CAST(:category_labels AS jsonb) ->> r.category,
    'color', CAST(:category_colors AS jsonb) ->> r.category,
    'channel', r.channel, 'channel_label', CAST(:channel_labels AS jsonb) ->> r.channel,
    'status', r.status, 'status_label', CAST(:status_labels AS jsonb) ->> r.status,
    -- Contact details typed into the text masked too (migration 0021), for the same callers.
    'description', CASE WHEN :personal THEN r.description
                        ELSE gridmap_mask_free_text(r.description, r.reporter_name, r.reporter_phone,
                                                    r.reporter_email) END,
    'address', r.address,
    -- Masked (migration 0006) unless the caller's role needs to call the reporter back.
    'reporter_name', CASE WHEN :personal THEN r.reporter_name ELSE gridmap_mask_name(r.reporter_name) END,
    'reporter_phone', CASE WHEN :personal THEN r.reporter_phone ELSE gridmap_mask_phone(r.reporter_phone) END,
    'reporter_email', CASE WHEN :personal THEN r.reporter_email ELSE gridmap_mask_email(r.reporter_email) END,
    -- A device id has no useful masked form: only for callers who may see personal data.
    'reporter_device', CASE WHEN :personal THEN r.reporter_device END,
    'media_urls', r.media_urls,
    'grid_code', g.code, 'grid_name', g.name, 'grid_parent_name', gp.name,
    'out_of_coverage', r.out_of_coverage,
    'needs_placement', r.needs_placement,
    -- A publication left its point outside its district's grids (migration 0036): hand it over.
    'outside_district', r.outside_district, 'point_district', r.point_district,
    -- The standard address it was geocoded to on intake (migration 0017); details: GET /reports/{ticket}.
    'address_id', r.address_id,
    'created_at', to_char(r.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
    'age_hours', round((extract(epoch FROM CAST(:now AS timestamptz) - r.created_at) / 3600)::numeric, 1),
    'level', r.handling_level,
    'assignee_id', r.assignee_id,
    'assignee_name', nullif(coalesce(nullif(u.display_name, ''), u.username), ''),
    'deadline', to_char(r.deadline AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
    'deadline_state', d.state,
    'duplicate_of', dup.ticket,
    'rework_count', r.rework_count,
    'row_version', r.row_version,
    -- The caller's actions (app.events.service.caller_actions, as maps by state).
    'allowed_actions', coalesce(CASE
        WHEN NOT :assignment_bound OR r.assignee_id = CAST(:user_id AS integer)
          THEN CAST(:actions_mine AS jsonb) -> d.action_key
        WHEN r.assignee_id IS NULL THEN CAST(:actions_unassigned AS jsonb) -> d.action_key
      END, '[]'::jsonb))
)::text AS feature
FROM report r
LEFT JOIN grid g ON g.id = r.grid_id
-- Its parent (the lineage runs district .. grid): names like 1号微网格 repeat in every grid.
LEFT JOIN grid gp ON gp.id = r.grid_lineage[cardinality(r.grid_lineage) - 1]
LEFT JOIN app_user u ON u.id = r.assignee_id
LEFT JOIN report dup ON dup.district_code = r.district_code AND dup.id = r.duplicate_of  -- one district (one Citus shard)
-- The deadline state: the one rule (migration 0024), judged at :now.
CROSS JOIN LATERAL (SELECT
  gridmap_deadline_state(r.status, r.deadline, r.warn_at, r.handled_at, CAST(:now AS timestamptz)) AS state,
  r.status || CASE WHEN r.handling_level = 'department' THEN '/top' ELSE '' END AS action_key
) d
WHERE (CAST(:statuses AS text[]) IS NULL OR r.status = ANY(CAST(:statuses AS text[])))
  AND (CAST(:category AS text) IS NULL OR r.category = :category)
  AND (CAST(:channel AS text) IS NULL OR r.channel = :channel)
  AND (CAST(:out_of_coverage AS boolean) IS NULL OR r.out_of_coverage = :out_of_coverage)
  AND (CAST(:needs_placement AS boolean) IS NULL OR r.needs_placement = :needs_placement)
  -- To hand over: a publication left it outside its district's grids, or another district's now cover it.
  AND (CAST(:outside_district AS boolean) IS NULL
       OR (r.outside_district OR r.point_district IS NOT NULL) = :outside_district)
  AND (CAST(:grid_id AS integer) IS NULL OR r.grid_lineage @> ARRAY[CAST(:grid_id AS integer)])
  AND (CAST(:deadline_state AS text) IS NULL OR d.state = :deadline_state)
  AND (CAST(:level AS text) IS NULL OR r.handling_level = :level)
  AND (CAST(:assignee_id AS integer) IS NULL OR r.assignee_id = :assignee_id)
  -- reported=today: since the Beijing midnight of :now (app.events.deadlines.day_start).
  AND (CAST(:created_from AS timestamptz) IS NULL OR r.created_at >= CAST(:created_from AS timestamptz))
  -- The live feed (app.dispatch.feed): reports created or changed after its cursor.
  AND (CAST(:updated_since AS timestamptz) IS NULL OR r.updated_at > CAST(:updated_since AS timestamptz))
  -- The caller's district (app.auth.scope.event_district): NULL is every district (the city).
  AND (CAST(:district AS text) IS NULL OR r.district_code = :district)
  -- The caller's area (app.auth.scope): NULL is the whole district.
  AND (CAST(:area AS text[]) IS NULL OR EXISTS (
        SELECT 1 FROM grid a WHERE a.id = ANY(COALESCE(r.current_lineage, r.grid_lineage)
                                             || COALESCE(r.current_dedicated_ids, r.dedicated_grid_ids))
          AND a.code = ANY(CAST(:area AS text[]))))
  AND (CAST(:minx AS double precision) IS NULL
       OR r.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
-- By deadline: the events still running against theirs (dispatched, in progress) first, the
-- most urgent on top; then the rest (handled, verified ...) whose deadline no longer presses.
-- By priority (the dispatch desk's order, app.dispatch.queue): :queue_ranks gives each
-- "status:deadline_state" (or "status") its place; within one, the soonest deadline, then the newest.
ORDER BY CASE WHEN :sort_priority THEN coalesce(
           CAST(CAST(:queue_ranks AS jsonb) ->> (r.status || ':' || coalesce(d.state, '')) AS integer),
           CAST(CAST(:queue_ranks AS jsonb) ->> r.status AS integer)) END ASC NULLS LAST,
         CASE WHEN :sort_deadline THEN r.status NOT IN ('dispatched', 'in_progress') END ASC NULLS LAST,
         CASE WHEN :sort_deadline OR :sort_priority THEN r.deadline END ASC NULLS LAST,
         CASE WHEN :sort_updated THEN r.updated_at END ASC, r.created_at DESC, r.id DESC
LIMIT :limit OFFSET :offset
