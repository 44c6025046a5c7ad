UPDATE runs
SET stream_token_hash = $2, last_activity_at = now()
WHERE id = $1
