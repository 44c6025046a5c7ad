-- The window of the slowest tests: project $1's last $2 runs (only those of branch $3 unless it is null), newest
-- first, each with its stored attempt count. A run's results change only when attempts are stored
-- (store/write-batch.sql), so a run whose count is unchanged has the durations it had.
SELECT r.id, r.attempts
FROM runs r
WHERE r.project_id = $1 AND ($3::text IS NULL OR r.branch = $3)
ORDER BY r.id DESC
LIMIT $2
