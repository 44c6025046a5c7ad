UPDATE runs
SET last_activity_at = now()
WHERE id = $1
