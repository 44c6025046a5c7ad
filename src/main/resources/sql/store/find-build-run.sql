-- The run of a CI build (project + build id), locked: its shards start one after the other on it.
SELECT id, status, shard_total
FROM runs
WHERE project_id = $1 AND build_id = $2
FOR UPDATE
