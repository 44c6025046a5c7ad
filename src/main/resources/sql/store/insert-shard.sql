-- A shard joins its run: the shard row, the run's expected tests (the sum of the shards' announcements), and the
-- seq of its shard-started event.
WITH shard AS (
  INSERT INTO run_shards (run_id, shard, status, stream_token_hash, started_by_user, started_by_key, start_time,
                          expected_tests)
  VALUES ($1, $2, 'running', $3, $4, $5, $6, $7)
)
UPDATE runs
SET expected_tests = CASE WHEN $7::int IS NULL THEN expected_tests ELSE coalesce(expected_tests, 0) + $7::int END,
    last_seq = last_seq + 1, last_activity_at = now()
WHERE id = $1
RETURNING last_seq
