-- The run that triage starts from ($1): its project, branch (null: none) and start.
SELECT id, project_id, branch, status, start_time
FROM runs
WHERE id = $1
