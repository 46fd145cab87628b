-- The next batch of the district's addresses after id :after (keyset paging for export).
SELECT a.id, a.district, a.subdistrict, a.community, a.road, a.number, a.compound, a.building, a.unit,
       a.full_text AS address, round(ST_X(a.location)::numeric, 7)::float8 AS lon,
       round(ST_Y(a.location)::numeric, 7)::float8 AS lat, a.grid_code
FROM standard_address a
WHERE a.district_code = :d AND a.id > :after
ORDER BY a.id
LIMIT :n
