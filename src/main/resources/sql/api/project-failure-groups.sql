-- A project's unexpected failures over its runs started since $2, grouped by fingerprint: first and last seen,
-- runs and tests affected, the latest run, and the runs affected per day (the trend). $1 project, $3 groups at most.
-- One pass over the window's fingerprinted attempts (index-only: attempts_run_fingerprint_idx carries test_id)
-- makes the (fingerprint, run) and (fingerprint, test) sets; one aggregation of those makes the groups. The latest
-- run is the one that started last (then the highest id). The signature is read from one attempt of that run: the
-- fingerprint is a hash over the signature and the test file's frame, so every attempt of a group has the same.
WITH recent AS MATERIALIZED (
  SELECT id, start_time, (start_time AT TIME ZONE 'UTC')::date AS day
  FROM runs
  WHERE project_id = $1 AND start_time >= $2
), sets AS MATERIALIZED (
  SELECT a.fingerprint, a.run_id, r.start_time, r.day, a.test_id, count(*)::int AS attempts
  FROM recent r
  JOIN attempts a ON a.run_id = r.id AND a.fingerprint IS NOT NULL
  GROUP BY GROUPING SETS ((a.fingerprint, a.run_id, r.start_time, r.day), (a.fingerprint, a.test_id))
), groups AS (
  SELECT fingerprint, min(start_time) AS first_seen, max(start_time) AS last_seen, count(run_id)::int AS runs,
         count(test_id)::int AS tests, (sum(attempts) FILTER (WHERE run_id IS NOT NULL))::int AS attempts,
         (max(ARRAY[(extract(epoch FROM start_time) * 1000000)::bigint, run_id]) FILTER (WHERE run_id IS NOT NULL))[2]
           AS last_run_id
  FROM sets
  GROUP BY fingerprint
  ORDER BY count(run_id) DESC, max(start_time) DESC, fingerprint
  LIMIT $3
), trends AS (
  SELECT d.fingerprint,
         jsonb_agg(jsonb_build_object('day', to_char(d.day, 'YYYY-MM-DD'), 'runs', d.runs) ORDER BY d.day) AS trend
  FROM (SELECT s.fingerprint, s.day, count(*) AS runs
        FROM sets s
        WHERE s.run_id IS NOT NULL AND s.fingerprint IN (SELECT fingerprint FROM groups)
        GROUP BY 1, 2) d
  GROUP BY d.fingerprint
)
SELECT g.fingerprint,
       (SELECT a.error_signature FROM attempts a WHERE a.run_id = g.last_run_id AND a.fingerprint = g.fingerprint
        LIMIT 1) AS signature,
       g.first_seen, g.last_seen, g.runs, g.tests, g.attempts, g.last_run_id, t.trend
FROM groups g
JOIN trends t ON t.fingerprint = g.fingerprint
ORDER BY g.runs DESC, g.last_seen DESC, g.fingerprint
