-- A project's unexpected failures over its runs that started on UTC day $2 or later, grouped by fingerprint: first
-- and last seen, runs and tests affected, the latest run and its signature, and the runs affected per day (the
-- trend). $1 project, $3 groups at most.
-- Read from the rollup of V15__failure_days.sql: one row per day and fingerprint of the window makes the groups
-- (runs and attempts add up over days); the distinct tests of the chosen groups come from their per-day test sets.
-- The latest run is the one that started last (then the highest id).
WITH days AS MATERIALIZED (
  SELECT fingerprint, day, runs, attempts, first_seen, last_seen, last_run_id, signature
  FROM failure_days
  WHERE project_id = $1 AND day >= $2
), groups AS MATERIALIZED (
  SELECT fingerprint, sum(runs)::int AS runs, sum(attempts)::int AS attempts, min(first_seen) AS first_seen,
         max(last_seen) AS last_seen,
         (array_agg(last_run_id ORDER BY last_seen DESC, last_run_id DESC))[1] AS last_run_id,
         (array_agg(signature ORDER BY last_seen DESC, last_run_id DESC))[1] AS signature,
         jsonb_agg(jsonb_build_object('day', to_char(day, 'YYYY-MM-DD'), 'runs', runs) ORDER BY day) AS trend
  FROM days
  GROUP BY fingerprint
  ORDER BY sum(runs) DESC, max(last_seen) DESC, fingerprint
  LIMIT $3
), tests AS (
  SELECT d.fingerprint, count(*)::int AS tests
  FROM (SELECT DISTINCT t.fingerprint, t.test_id
        FROM failure_day_tests t
        WHERE t.project_id = $1 AND t.day >= $2 AND t.fingerprint IN (SELECT fingerprint FROM groups)) d
  GROUP BY d.fingerprint
)
SELECT g.fingerprint, g.signature, g.first_seen, g.last_seen, g.runs, coalesce(t.tests, 0) AS tests, g.attempts,
       g.last_run_id, g.trend
FROM groups g
LEFT JOIN tests t ON t.fingerprint = g.fingerprint
ORDER BY g.runs DESC, g.last_seen DESC, g.fingerprint
