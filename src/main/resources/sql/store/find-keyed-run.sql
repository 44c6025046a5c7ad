SELECT id, status
FROM runs
WHERE project_id = $1 AND run_key = $2
FOR UPDATE
