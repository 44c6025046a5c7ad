-- Project $1's last $2 runs, oldest first: counters, run duration, and the p50/p90 of its tests' durations
-- $3: only the runs of this branch (null: all); runs_project_branch_idx then gives them newest first.
-- (kept on the run when it ends; computed here only for runs still running).
WITH recent AS (
  SELECT r.id, r.status, r.start_time, r.duration_ms, r.total, r.passed, r.failed, r.timed_out, r.skipped,
         r.interrupted, r.flaky, r.branch, r.test_p50_ms, r.test_p90_ms
  FROM runs r WHERE r.project_id = $1 AND ($3::text IS NULL OR r.branch = $3) ORDER BY r.id DESC LIMIT $2
)
SELECT c.id, c.status, c.start_time, c.duration_ms, c.total, c.passed, c.failed, c.timed_out, c.skipped,
       c.interrupted, c.flaky, c.branch,
       coalesce(c.test_p50_ms, d.p50_ms) AS p50_ms, coalesce(c.test_p90_ms, d.p90_ms) AS p90_ms
FROM recent c
LEFT JOIN LATERAL (
  SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY res.duration_ms) AS p50_ms,
         percentile_disc(0.9) WITHIN GROUP (ORDER BY res.duration_ms) AS p90_ms
  FROM results res WHERE res.run_id = c.id AND res.status <> 'skipped' AND c.status = 'running'
) d ON true
ORDER BY c.id
