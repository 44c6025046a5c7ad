-- The run's event log after a seq: its stored events, and its attempts as their test-completed events.
SELECT e.seq, e.type, e.data, NULL::bigint AS test_id, NULL AS file, NULL::text[] AS title_path,
       NULL AS playwright_project, NULL::int AS variant, NULL::int AS retry, NULL AS status,
       NULL AS expected_status, NULL::bigint AS duration_ms, NULL::int AS line, NULL::int AS col,
       NULL AS error_message, NULL AS error_stack, NULL::jsonb AS error_location, NULL::jsonb AS steps,
       NULL::jsonb AS annotations, NULL::jsonb AS attachments, NULL::jsonb AS extra, NULL AS outcome, NULL AS fingerprint
FROM run_events e
WHERE e.run_id = $1 AND e.seq > $2
UNION ALL
SELECT a.seq, 'test-completed', NULL, a.test_id, t.file, t.title_path, t.playwright_project, t.variant, a.retry,
       a.status, a.expected_status, a.duration_ms, a.line, a.col, a.error_message, a.error_stack,
       a.error_location, a.steps, a.annotations, a.attachments, a.extra, a.outcome, a.fingerprint
FROM attempts a
JOIN tests t ON t.id = a.test_id
WHERE a.run_id = $1 AND a.seq > $2
ORDER BY 1
LIMIT $3
