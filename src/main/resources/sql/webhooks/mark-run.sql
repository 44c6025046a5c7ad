-- Decides a run ending once: the first caller (node, or the scan) inserts the row, every later one gets nothing
-- back. Only for an ended run of a project with a webhook enabled when the run ended (the later of its end time and
-- its last activity: the server's time of a finish or submit, the client's end time if later). Counts the run's new
-- failures against the previous ended run of the same branch (by id, i.e. start order): tests whose result there
-- counted as passed (outcome expected or flaky) and here as failed or timed out (outcome unexpected).
WITH run AS (
  SELECT r.id, r.project_id, r.branch
  FROM runs r
  WHERE r.id = $1 AND r.status <> 'running'
    AND EXISTS (SELECT 1 FROM webhooks w
                WHERE w.project_id = r.project_id AND w.enabled
                  AND w.active_since <= GREATEST(r.end_time, r.last_activity_at))
),
previous AS (
  SELECT p.id
  FROM runs p, run
  WHERE p.project_id = run.project_id AND p.branch IS NOT DISTINCT FROM run.branch AND p.id < run.id
    AND p.status <> 'running'
  ORDER BY p.id DESC
  LIMIT 1
)
INSERT INTO webhook_runs (run_id, previous_run_id, new_failures)
SELECT run.id, previous.id,
       (SELECT count(*)
        FROM results n
        JOIN results b ON b.test_id = n.test_id AND b.run_id = previous.id
        WHERE n.run_id = run.id
          AND n.status <> 'interrupted' AND n.outcome = 'unexpected'
          AND b.status <> 'interrupted' AND b.outcome IN ('expected', 'flaky'))
FROM run
LEFT JOIN previous ON true
ON CONFLICT (run_id) DO NOTHING
RETURNING run_id, previous_run_id, new_failures
