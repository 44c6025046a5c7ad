-- Claims and deletes up to $3 runs that the retention settings no longer keep, oldest first: finished, not pinned,
-- and either started more than runs_days ago or not among the project's newest keep_runs runs (counted over all of
-- its runs, whatever their status). $1, $2: the configured runs_days and keep_runs; a project's own value, when
-- set, wins; 0 is no limit. SKIP LOCKED gives each run to one node only, and never one that ingest, a pin or an
-- administrator's deletion holds at that moment. The cascades of V1 remove the run's attempts, results, events,
-- artifacts' rows, tags and shards in the same statement.
WITH policy AS (
  SELECT p.id AS project_id,
         COALESCE(pr.runs_days, $1::int) AS runs_days,
         COALESCE(pr.keep_runs, $2::int) AS keep_runs
  FROM projects p
  LEFT JOIN project_retention pr ON pr.project_id = p.id
),
bounds AS (
  SELECT pol.project_id,
         CASE WHEN pol.runs_days > 0 THEN now() - make_interval(days => pol.runs_days) END AS started_before,
         CASE WHEN pol.keep_runs > 0 THEN (
           SELECT r.id FROM runs r
           WHERE r.project_id = pol.project_id
           ORDER BY r.id DESC
           OFFSET pol.keep_runs - 1 LIMIT 1) END AS kept_from
  FROM policy pol
  WHERE pol.runs_days > 0 OR pol.keep_runs > 0
)
DELETE FROM runs
WHERE id IN (
  SELECT r.id FROM runs r
  JOIN bounds b ON b.project_id = r.project_id
  WHERE r.status <> 'running' AND NOT r.pinned
    AND (r.start_time < b.started_before OR r.id < b.kept_from)
  ORDER BY r.id
  LIMIT $3
  FOR UPDATE OF r SKIP LOCKED
)
RETURNING id, project_id, status, total, passed, failed, timed_out, skipped, interrupted, flaky, attempts,
          expected_tests
