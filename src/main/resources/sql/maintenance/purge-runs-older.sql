-- Claims and deletes up to $3 runs of project $1 that started more than $2 days ago: finished and not pinned.
-- SKIP LOCKED gives each run to one node only, and never one that ingest, a pin or an administrator's deletion
-- holds at that moment (a run pinned meanwhile is re-checked and left). The cascades of V1 remove the run's
-- attempts, results, events, artifacts' rows, tags and shards in the same statement. No ORDER BY: the caller
-- repeats until a batch comes back short, and an order would tempt the planner into walking the primary key.
DELETE FROM runs
WHERE id IN (
  SELECT r.id FROM runs r
  WHERE r.project_id = $1 AND r.start_time < now() - make_interval(days => $2::int)
    AND r.status <> 'running' AND NOT r.pinned
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
RETURNING id, project_id, status, total, passed, failed, timed_out, skipped, interrupted, flaky, attempts,
          expected_tests
