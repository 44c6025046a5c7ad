-- Where the unexpected streaks of tests $1 began before run $2: each test's results on project $3, branch $4
-- (null: runs without a branch), finished runs only, walked back from run $2 through results_test_idx, at most $5
-- results per test. The streak's first run is the oldest unexpected result newer than the newest other one; a test
-- whose newest result before $2 is not unexpected, or that has none, has no row.
WITH walk AS (
  SELECT t.test_id, w.run_id, w.outcome, w.start_time
  FROM unnest($1::bigint[]) AS t(test_id)
  CROSS JOIN LATERAL (
    SELECT r.run_id, r.outcome, ru.start_time
    FROM results r
    JOIN runs ru ON ru.id = r.run_id
    WHERE r.test_id = t.test_id AND r.run_id < $2 AND ru.project_id = $3 AND ru.status <> 'running'
      AND (ru.branch = $4 OR ($4::text IS NULL AND ru.branch IS NULL))
    ORDER BY r.run_id DESC
    LIMIT $5
  ) w
), streaks AS (
  SELECT test_id, coalesce(max(run_id) FILTER (WHERE outcome <> 'unexpected'), 0) AS broken_at
  FROM walk
  GROUP BY test_id
)
SELECT DISTINCT ON (w.test_id) w.test_id, w.run_id, w.start_time
FROM walk w
JOIN streaks s ON s.test_id = w.test_id
WHERE w.run_id > s.broken_at
ORDER BY w.test_id, w.run_id
