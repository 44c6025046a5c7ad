-- Run summaries (the columns of store/run-summary.sql) of the given runs.
SELECT r.id, r.project_id, p.name AS project_name, r.status, r.start_time, r.end_time, r.duration_ms,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests,
       r.shard_total, CASE WHEN r.shard_total IS NOT NULL THEN run_shards_json(r.id) END AS shards,
       r.metadata, r.branch, r.pinned
FROM runs r
JOIN projects p ON p.id = r.project_id
WHERE r.id = ANY($1::bigint[])
