-- Project $1's last $2 runs, oldest first: counters, run duration, and the p50/p90 of its tests' durations.
WITH recent AS (
  SELECT r.id, r.status, r.start_time, r.duration_ms, r.total, r.passed, r.failed, r.timed_out, r.skipped,
         r.interrupted, r.flaky, r.branch
  FROM runs r WHERE r.project_id = $1 ORDER BY r.id DESC LIMIT $2
)
SELECT c.*, d.p50_ms, d.p90_ms
FROM recent c
LEFT JOIN LATERAL (
  SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY res.duration_ms) AS p50_ms,
         percentile_disc(0.9) WITHIN GROUP (ORDER BY res.duration_ms) AS p90_ms
  FROM results res WHERE res.run_id = c.id AND res.status <> 'skipped'
) d ON true
ORDER BY c.id
