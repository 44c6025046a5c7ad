-- One run: its summary columns (as store/run-summary.sql) and what the run page shows besides, with the trace
-- viewer its traces open in: the one of its Playwright version, else the newest uploaded.
SELECT r.id, r.project_id, p.name AS project_name, r.status, r.start_time, r.end_time, r.duration_ms,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests,
       r.shard_total, CASE WHEN r.shard_total IS NOT NULL THEN run_shards_json(r.id) END AS shards,
       r.metadata, r.branch, r.pinned, r.files_expired_at, r.source, r.reporter_version, r.playwright_version,
       r.reported_counts, r.last_seq, tv.id AS trace_viewer_id, tv.version AS trace_viewer_version
FROM runs r
JOIN projects p ON p.id = r.project_id
LEFT JOIN LATERAL (SELECT v.id, v.version FROM trace_viewers v
                   ORDER BY v.version = r.playwright_version DESC NULLS LAST, v.id DESC LIMIT 1) tv ON true
WHERE r.id = $1
