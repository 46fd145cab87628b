-- Open events of the same category within the category's duplicate radius
-- of a new one, nearest first. The bounding box (degrees, widened for the
-- latitude) lets the GiST index on location do the first cut; ST_DWithin on
-- geography measures metres on the spheroid.
SELECT o.ticket, o.status,
       round(ST_Distance(o.location::geography, p.location::geography)::numeric, 1) AS distance_m
FROM report p
JOIN category c ON c.code = p.category AND c.duplicate_radius_m > 0
JOIN report o ON o.category = p.category AND o.district_code = p.district_code AND o.id <> p.id
  AND o.status NOT IN ('closed', 'cancelled')
  AND o.location && ST_Expand(p.location,
        c.duplicate_radius_m / (111320.0 * greatest(cos(radians(ST_Y(p.location))), 0.01)))
  AND ST_DWithin(o.location::geography, p.location::geography, c.duplicate_radius_m)
WHERE p.id = :report_id AND p.location IS NOT NULL
ORDER BY distance_m, o.created_at, o.id
LIMIT 10
