-- Key places from staging, matched by code within the district: new codes are
-- added, known ones updated (and made active again).
INSERT INTO patrol_place (district_code, code, name, kind, geom, radius_m, visits_per_week, active)
SELECT :district_code, s.code, s.name, s.kind, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.radius_m,
       s.visits_per_week, true
FROM patrol_place_staging s
ON CONFLICT (district_code, code) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind, geom = EXCLUDED.geom, radius_m = EXCLUDED.radius_m,
    visits_per_week = EXCLUDED.visits_per_week, active = true
