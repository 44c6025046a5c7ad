INSERT INTO runs (project_id, source, run_key, status, start_time, end_time, duration_ms, expected_tests, metadata,
                  reported_counts, reporter_version, playwright_version, stream_token_hash, last_seq,
                  started_by_user, started_by_key, build_id, shard_total)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
RETURNING id
