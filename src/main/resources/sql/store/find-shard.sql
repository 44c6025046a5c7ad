SELECT shard, status, started_by_user
FROM run_shards
WHERE run_id = $1 AND shard = $2
FOR UPDATE
