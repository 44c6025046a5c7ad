-- A page of a run's results (final attempts, columns of store/run-results.sql, with the test's outcome) by test id.
-- $1 run, $2 statuses (null: any), $3 flaky (null: either), $4 lower-case text searched in the title path,
-- file and error message (null: no search), $5 test id after which the page starts, $6 page size, $7 outcomes
-- (null: any).
SELECT a.test_id, t.file, t.title_path, t.playwright_project, t.variant, a.retry, a.status, a.expected_status,
       a.duration_ms, a.line, a.col, a.error_message, a.error_stack, a.error_location, a.steps, a.annotations,
       a.attachments, a.extra, r.outcome, a.fingerprint, r.flaky, r.attempt_count
FROM results r
JOIN tests t ON t.id = r.test_id
JOIN attempts a ON a.run_id = r.run_id AND a.test_id = r.test_id AND a.retry = r.final_retry
WHERE r.run_id = $1
  AND ($2::text[] IS NULL OR r.status = ANY($2::text[]))
  AND ($3::boolean IS NULL OR r.flaky = $3)
  AND ($7::text[] IS NULL OR r.outcome = ANY($7::text[]))
  AND ($4::text IS NULL
       OR strpos(lower(array_to_string(t.title_path, ' ') || ' ' || t.file), $4) > 0
       OR strpos(lower(coalesce(a.error_message, '')), $4) > 0)
  AND ($5::bigint IS NULL OR r.test_id > $5)
ORDER BY r.test_id
LIMIT $6
