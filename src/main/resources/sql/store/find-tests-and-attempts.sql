-- The batch's tests that the project has ($1 project, $2 identity hashes), each with the attempts the run ($3)
-- already has of it (none: one row with a null retry). One round trip for what a batch reads under the run lock.
SELECT t.id, t.identity_hash, t.variant, a.retry, a.status, a.expected_status, a.duration_ms
FROM tests t
LEFT JOIN attempts a ON a.run_id = $3 AND a.test_id = t.id
WHERE t.project_id = $1 AND t.identity_hash = ANY($2::bytea[])
