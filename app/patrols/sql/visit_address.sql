-- May :worker_id record a household visit at address :address_id?
--   in_area  the address lies in one of the worker's grids (regular: its
--            assigned grid has the grid in its lineage; dedicated: the grid
--            covers its point)
--   finer    how many other addresses refine it (see household_grids.sql):
--            0 for a household-level address
SELECT a.id, a.full_text, a.grid_code,
       EXISTS (
         SELECT 1 FROM user_area ua
         JOIN grid_current g ON g.code = ua.grid_code
         WHERE ua.user_id = :worker_id
           AND ((g.kind = 'regular' AND EXISTS (SELECT 1 FROM grid ag WHERE ag.id = a.grid_id AND g.id = ANY(ag.lineage)))
                OR (g.kind = 'dedicated' AND ST_Covers(g.geom, a.location)))
       ) AS in_area,
       (SELECT count(*) FROM standard_address b
        WHERE b.district_code = :district_code AND b.id <> a.id AND b.norm_key <> a.norm_key
          AND starts_with(b.norm_key, (SELECT array_to_string(p.parts[1:greatest(n.last, 1)], '|') || '|'
                                       FROM (SELECT string_to_array(a.norm_key, '|') AS parts) p
                                       CROSS JOIN LATERAL (SELECT max(i) AS last FROM generate_subscripts(p.parts, 1) i
                                                           WHERE p.parts[i] <> '') n))) AS finer
FROM standard_address a
WHERE a.id = :address_id AND a.district_code = :district_code
