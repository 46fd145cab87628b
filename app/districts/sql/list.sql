-- Districts of the deployment with what they hold: current grids and their people (admin page).
-- :district NULL: every district (a city administrator); else that one.
SELECT d.code, d.name, d.city_code, d.settings,
       (SELECT count(*) FROM grid_current g WHERE g.district_code = d.code) AS grids,
       (SELECT count(*) FROM app_user u WHERE u.district_code = d.code AND u.active) AS users
FROM district d
WHERE CAST(:district AS text) IS NULL OR d.code = :district
ORDER BY d.code
