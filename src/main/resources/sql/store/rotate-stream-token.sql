-- A repeated start: a new token (the previous one stops working), derived from the credential that asked for it.
UPDATE runs
SET stream_token_hash = $2, started_by_key = $3, last_activity_at = now()
WHERE id = $1
