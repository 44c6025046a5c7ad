UPDATE runs
SET last_seq = $2, last_activity_at = now()
WHERE id = $1
