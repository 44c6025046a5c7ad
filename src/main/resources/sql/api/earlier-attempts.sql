-- The attempts before the final one of some tests of a run ($1 run, $2 test ids), columns of run-results.sql,
-- each with its test's outcome.
SELECT a.test_id, t.file, t.title_path, t.playwright_project, t.variant, a.retry, a.status, a.expected_status,
       a.duration_ms, a.line, a.col, a.error_message, a.error_stack, a.error_location, a.steps, a.annotations,
       a.attachments, a.extra, r.outcome, a.fingerprint
FROM attempts a
JOIN tests t ON t.id = a.test_id
JOIN results r ON r.run_id = a.run_id AND r.test_id = a.test_id
WHERE a.run_id = $1 AND a.test_id = ANY($2::bigint[]) AND a.retry < r.final_retry
ORDER BY a.test_id, a.retry
