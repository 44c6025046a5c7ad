-- A repeated start of a running shard: a new token for it (the previous one stops working).
UPDATE run_shards
SET stream_token_hash = $3, started_by_key = $4
WHERE run_id = $1 AND shard = $2
