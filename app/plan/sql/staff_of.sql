-- Active staff assigned to some grid codes (assignments are by code, app.models.staff).
SELECT st.id AS staff_id, st.name, a.grid_code, a.role
FROM staff_assignment a JOIN staff st ON st.id = a.staff_id AND st.active
WHERE a.grid_code = ANY(CAST(:codes AS text[]))
ORDER BY st.id, a.grid_code
