-- A project's unexpected failures over its runs started since $2, grouped by fingerprint: first and last seen,
-- runs and tests affected, the latest run, and the runs affected per day (the trend). $1 project, $3 groups at most.
WITH recent AS (
  SELECT id, start_time FROM runs WHERE project_id = $1 AND start_time >= $2
), failures AS (
  SELECT a.fingerprint, a.error_signature, a.run_id, a.test_id, r.start_time
  FROM recent r
  JOIN attempts a ON a.run_id = r.id AND a.fingerprint IS NOT NULL
), groups AS (
  SELECT fingerprint, min(error_signature) AS signature, min(start_time) AS first_seen, max(start_time) AS last_seen,
         count(DISTINCT run_id)::int AS runs, count(DISTINCT test_id)::int AS tests, count(*)::int AS attempts,
         (array_agg(run_id ORDER BY start_time DESC))[1] AS last_run_id
  FROM failures
  GROUP BY fingerprint
  ORDER BY count(DISTINCT run_id) DESC, max(start_time) DESC, fingerprint
  LIMIT $3
)
SELECT g.*,
       (SELECT jsonb_agg(jsonb_build_object('day', d.day, 'runs', d.runs) ORDER BY d.day)
        FROM (SELECT to_char(f.start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(DISTINCT f.run_id) AS runs
              FROM failures f WHERE f.fingerprint = g.fingerprint GROUP BY 1) d) AS trend
FROM groups g
ORDER BY g.runs DESC, g.last_seen DESC, g.fingerprint
