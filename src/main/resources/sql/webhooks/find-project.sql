SELECT id, name
FROM projects
WHERE id = $1
