-- Flaky tests of project $1 over its last $2 runs: flaky count, runs with a result, last flaky run.
-- $6: only the runs of this branch (null: all); runs_project_branch_idx then gives them newest first.
-- Ordered by flaky count (desc), then test id; $3/$4 the (count, test id) after which the page starts, $5 size.
WITH recent AS (
  SELECT r.id FROM runs r WHERE r.project_id = $1 AND ($6::text IS NULL OR r.branch = $6) ORDER BY r.id DESC LIMIT $2
), flaky AS (
  SELECT res.test_id, count(*)::int AS flaky_runs, max(res.run_id) AS last_flaky_run_id
  FROM results res
  WHERE res.project_id = $1 AND res.flaky AND res.run_id >= (SELECT min(id) FROM recent)
    AND res.run_id IN (SELECT id FROM recent)
  GROUP BY res.test_id
), ranked AS (
  SELECT f.test_id, f.flaky_runs, f.last_flaky_run_id,
         (SELECT count(*)::int FROM results x WHERE x.test_id = f.test_id AND x.run_id IN (SELECT id FROM recent))
           AS runs
  FROM flaky f
)
SELECT k.test_id, k.flaky_runs, k.runs, k.last_flaky_run_id, lr.start_time AS last_flaky_at,
       t.file, t.title_path, t.playwright_project, t.title
FROM ranked k
JOIN tests t ON t.id = k.test_id
JOIN runs lr ON lr.id = k.last_flaky_run_id
WHERE ($3::int IS NULL OR (k.flaky_runs, -k.test_id) < ($3, -$4::bigint))
ORDER BY k.flaky_runs DESC, k.test_id
LIMIT $5
