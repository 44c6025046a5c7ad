-- The columns of sql/store/run-summary.sql (mapped by StoreRows.runSummary), with the run's webhook decision.
SELECT r.id, r.project_id, p.name AS project_name, r.status, r.start_time, r.end_time, r.duration_ms,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests,
       r.shard_total, CASE WHEN r.shard_total IS NOT NULL THEN run_shards_json(r.id) END AS shards,
       r.metadata, r.branch, m.previous_run_id, coalesce(m.new_failures, 0) AS new_failures
FROM runs r
JOIN projects p ON p.id = r.project_id
LEFT JOIN webhook_runs m ON m.run_id = r.id
WHERE r.id = $1
