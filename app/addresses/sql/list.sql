-- A page of the address library with the total number of matches. Always
-- answers at least one row (the total); past the last page its columns are NULL.
WITH m AS (
  SELECT a.* FROM standard_address a
  WHERE a.district_code = :d
    AND (CAST(:q AS text) IS NULL OR a.full_text ILIKE :q)
    AND (CAST(:road AS text) IS NULL OR a.road = :road)
    AND (CAST(:compound AS text) IS NULL OR a.compound = :compound)
    -- Codes nest (grid = community code + 3 digits ...): a prefix is the grid and everything inside it.
    AND (CAST(:grid AS text) IS NULL OR a.grid_code LIKE :grid || '%')
    AND (CAST(:key AS text) IS NULL OR a.norm_key = :key)
    AND (CAST(:outside AS boolean) IS NULL OR a.out_of_coverage = :outside)
    AND (CAST(:minx AS double precision) IS NULL
         OR a.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))
)
SELECT (SELECT count(*) FROM m) AS total, p.*
FROM (SELECT 1) one
LEFT JOIN LATERAL (
  SELECT m.id, m.full_text, m.norm_key, m.district, m.subdistrict, m.community, m.road, m.number, m.compound,
         m.building, m.unit, ST_X(m.location) AS lon, ST_Y(m.location) AS lat, m.grid_code, g.name AS grid_name,
         m.out_of_coverage, m.source,
         to_char(m.updated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS updated_at
  FROM m
  LEFT JOIN grid g ON g.id = m.grid_id
  ORDER BY m.id
  LIMIT :limit OFFSET :offset
) p ON true
