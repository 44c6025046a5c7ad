UPDATE runs
SET status = $2, end_time = $3, duration_ms = $4, metadata = metadata || $5::jsonb, last_seq = last_seq + 1,
    last_activity_at = now(),
    finished_at = now()
WHERE id = $1
RETURNING last_seq
