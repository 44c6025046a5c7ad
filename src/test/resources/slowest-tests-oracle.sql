-- The slowest tests as the API computed them in PostgreSQL before round 2 (one aggregation of the window's results
-- per request): SlowestTestsTest's oracle for the ranking kept in memory.
-- Slowest tests of project $1 over its last $2 runs, by mean duration of their final attempts (skipped ones
-- $6: only the runs of this branch (null: all); runs_project_branch_idx then gives them newest first.
-- left out); each with p90, max and its durations run by run (oldest first) as a trend.
-- $3/$4 the (mean, test id) after which the page starts, $5 page size.
-- The means are one hash aggregate over the window; percentiles and trends are computed for the page's tests
-- only, each through the test-history index.
WITH recent AS (
  SELECT r.id FROM runs r WHERE r.project_id = $1 AND ($6::text IS NULL OR r.branch = $6) ORDER BY r.id DESC LIMIT $2
), timed AS (
  SELECT res.test_id, round(avg(res.duration_ms))::bigint AS mean_ms, max(res.duration_ms) AS max_ms,
         count(*)::int AS runs
  FROM results res
  WHERE res.project_id = $1 AND res.run_id >= (SELECT min(id) FROM recent)
    AND res.run_id IN (SELECT id FROM recent) AND res.status <> 'skipped'
  GROUP BY res.test_id
), page AS (
  SELECT s.* FROM timed s
  WHERE ($3::bigint IS NULL OR (s.mean_ms, -s.test_id) < ($3, -$4::bigint))
  ORDER BY s.mean_ms DESC, s.test_id
  LIMIT $5
)
SELECT s.test_id, s.mean_ms, d.p90_ms, s.max_ms, s.runs, d.durations, d.run_ids,
       t.file, t.title_path, t.playwright_project, t.title
FROM page s
JOIN tests t ON t.id = s.test_id
CROSS JOIN LATERAL (
  SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY r.duration_ms) AS p90_ms,
         array_agg(r.duration_ms ORDER BY r.run_id) AS durations,
         array_agg(r.run_id ORDER BY r.run_id) AS run_ids
  FROM results r
  WHERE r.test_id = s.test_id AND r.run_id IN (SELECT id FROM recent) AND r.status <> 'skipped'
) d
ORDER BY s.mean_ms DESC, s.test_id
