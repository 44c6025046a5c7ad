SELECT r.id, r.project_id, p.name AS project_name, r.status, r.stream_token_hash, r.last_seq,
       r.total, r.passed, r.failed, r.timed_out, r.skipped, r.interrupted, r.flaky, r.attempts, r.expected_tests
FROM runs r
JOIN projects p ON p.id = r.project_id
WHERE r.id = $1
FOR UPDATE OF r
