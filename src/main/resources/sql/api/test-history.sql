-- One test across runs, newest first: $1 test, $2 run id before which the page starts, $3 page size.
-- Error messages are cut to 2,000 characters (the run's results have them whole).
SELECT r.run_id, ru.start_time, ru.status AS run_status, ru.branch, ru.metadata #>> '{scm,commit}' AS commit_sha,
       r.status, r.expected_status, r.outcome, r.duration_ms, r.final_retry, r.attempt_count, r.flaky,
       left(a.error_message, 2000) AS error_message
FROM results r
JOIN runs ru ON ru.id = r.run_id
LEFT JOIN attempts a ON a.run_id = r.run_id AND a.test_id = r.test_id AND a.retry = r.final_retry
WHERE r.test_id = $1
  AND ($2::bigint IS NULL OR r.run_id < $2)
ORDER BY r.run_id DESC
LIMIT $3
