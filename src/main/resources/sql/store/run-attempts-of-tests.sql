SELECT test_id, retry, status, expected_status, duration_ms
FROM attempts
WHERE run_id = $1 AND test_id = ANY($2::bigint[])
