SELECT id, status, started_by_user
FROM runs
WHERE project_id = $1 AND run_key = $2
FOR UPDATE
