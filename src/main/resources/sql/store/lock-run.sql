-- The run under its row lock, and whether the authority that started it still holds (see V3__run_starters.sql).
SELECT r.id, r.project_id, p.name AS project_name, r.status, r.stream_token_hash, r.last_seq,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests,
       coalesce((r.started_by_user IS NULL OR u.role IN ('reporter', 'administrator'))
                AND (r.started_by_key IS NULL
                     OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))), false)
         AS authority_holds,
       r.shard_total,
       -- How long ago the server recorded the run's end (V9__file_upload_keys.sql): late files are taken for a while.
       (extract(epoch FROM now() - r.finished_at) * 1000)::bigint AS finished_ms_ago
FROM runs r
JOIN projects p ON p.id = r.project_id
LEFT JOIN users u ON u.id = r.started_by_user
LEFT JOIN api_keys k ON k.id = r.started_by_key
WHERE r.id = $1
FOR UPDATE OF r
