-- The latest finished run of project $1 on branch $2 other than run $3 (before or after it), or nothing.
SELECT id
FROM runs
WHERE project_id = $1 AND branch = $2 AND id <> $3 AND status <> 'running'
ORDER BY id DESC
LIMIT 1
