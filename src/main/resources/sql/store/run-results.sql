SELECT a.test_id, t.file, t.title_path, t.playwright_project, t.variant, a.retry, a.status, a.expected_status,
       a.duration_ms, a.line, a.col, a.error_message, a.error_stack, a.error_location, a.steps, a.annotations,
       a.attachments, a.extra, a.outcome, a.fingerprint
FROM attempts a
JOIN tests t ON t.id = a.test_id
WHERE a.run_id = $1 AND (a.seq IS NULL OR a.seq <= $2)
ORDER BY a.seq NULLS FIRST, a.id
