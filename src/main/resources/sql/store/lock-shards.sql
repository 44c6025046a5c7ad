-- A sharded run's shards as its writers check them (under the run's lock): token hash, status, and whether the
-- authority that started each still holds (see V3__run_starters.sql).
SELECT s.shard, s.status, s.stream_token_hash,
       coalesce((s.started_by_user IS NULL OR u.role IN ('reporter', 'administrator'))
                AND (s.started_by_key IS NULL
                     OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))), false)
         AS authority_holds
FROM run_shards s
LEFT JOIN users u ON u.id = s.started_by_user
LEFT JOIN api_keys k ON k.id = s.started_by_key
WHERE s.run_id = $1
ORDER BY s.shard
