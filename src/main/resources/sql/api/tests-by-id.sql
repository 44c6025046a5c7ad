-- The identity of tests $1 (the slowest tests' page).
SELECT t.id AS test_id, t.title, t.title_path, t.file, t.playwright_project
FROM tests t
WHERE t.id = ANY($1::bigint[])
