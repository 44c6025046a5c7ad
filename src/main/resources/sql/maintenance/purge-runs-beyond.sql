-- Claims and deletes up to $3 runs of project $1 older (by id) than $2, its keep_runs-th newest run: finished and
-- not pinned. Claimed and cascaded as in purge-runs-older.sql.
DELETE FROM runs
WHERE id IN (
  SELECT r.id FROM runs r
  WHERE r.project_id = $1 AND r.id < $2
    AND r.status <> 'running' AND NOT r.pinned
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
RETURNING id, project_id, status, total, passed, failed, timed_out, skipped, interrupted, flaky, attempts,
          expected_tests
