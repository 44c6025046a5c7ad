-- A project's unexpected failures over its runs that started on UTC day $2 or later, grouped by fingerprint: first
-- and last seen, runs and tests affected, the latest run and its signature, and the runs affected per day (the
-- trend). $1 project, $3 groups at most.
-- Read from the rollup of V15__failure_days.sql (one row per day and fingerprint; runs and attempts add up over
-- days) and from the attempts still queued for it (a second or so of failures: each counts its run if it is the
-- run's attempt of the fingerprint with the lowest id, as the job that moves it will). The distinct tests of the
-- chosen groups come from their per-day test sets and the queue. The latest run is the one that started last
-- (then the highest id).
WITH pending AS MATERIALIZED (
  SELECT p.fingerprint, p.day, p.run_id, p.test_id, p.start_time, p.signature,
         CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = p.run_id
                           AND a.fingerprint = p.fingerprint COLLATE "default" AND a.id < p.attempt_id)
              THEN 0 ELSE 1 END AS first
  FROM failure_pending p
  WHERE p.project_id = $1 AND p.day >= $2
), days AS (
  SELECT fingerprint, day, runs, attempts, first_seen, last_seen, last_run_id, signature
  FROM failure_days
  WHERE project_id = $1 AND day >= $2
  UNION ALL
  SELECT fingerprint, day, first, 1, start_time, start_time, run_id, signature
  FROM pending
), per_day AS MATERIALIZED (
  SELECT fingerprint, day, sum(runs)::int AS runs, sum(attempts)::int AS attempts, min(first_seen) AS first_seen,
         max(last_seen) AS last_seen,
         (array_agg(last_run_id ORDER BY last_seen DESC, last_run_id DESC))[1] AS last_run_id,
         (array_agg(signature ORDER BY last_seen DESC, last_run_id DESC))[1] AS signature
  FROM days
  GROUP BY fingerprint, day
), groups AS MATERIALIZED (
  SELECT fingerprint, sum(runs)::int AS runs, sum(attempts)::int AS attempts, min(first_seen) AS first_seen,
         max(last_seen) AS last_seen,
         (array_agg(last_run_id ORDER BY last_seen DESC, last_run_id DESC))[1] AS last_run_id,
         (array_agg(signature ORDER BY last_seen DESC, last_run_id DESC))[1] AS signature,
         jsonb_agg(jsonb_build_object('day', to_char(day, 'YYYY-MM-DD'), 'runs', runs) ORDER BY day) AS trend
  FROM per_day
  GROUP BY fingerprint
  ORDER BY sum(runs) DESC, max(last_seen) DESC, fingerprint
  LIMIT $3
), tests AS (
  SELECT d.fingerprint, count(*)::int AS tests
  FROM (SELECT t.fingerprint, t.test_id
        FROM failure_day_tests t
        WHERE t.project_id = $1 AND t.day >= $2 AND t.fingerprint IN (SELECT fingerprint FROM groups)
        UNION
        SELECT p.fingerprint, p.test_id
        FROM pending p
        WHERE p.fingerprint IN (SELECT fingerprint FROM groups)) d
  GROUP BY d.fingerprint
)
SELECT g.fingerprint, g.signature, g.first_seen, g.last_seen, g.runs, coalesce(t.tests, 0) AS tests, g.attempts,
       g.last_run_id, g.trend
FROM groups g
LEFT JOIN tests t ON t.fingerprint = g.fingerprint
ORDER BY g.runs DESC, g.last_seen DESC, g.fingerprint
