-- Slowest tests of project $1 over its last $2 runs, by mean duration of their final attempts (skipped ones
-- left out); each with p90, max and its durations run by run (oldest first) as a trend.
-- $3/$4 the (mean, test id) after which the page starts, $5 page size.
WITH recent AS (
  SELECT r.id FROM runs r WHERE r.project_id = $1 ORDER BY r.id DESC LIMIT $2
), timed AS (
  SELECT res.test_id, round(avg(res.duration_ms))::bigint AS mean_ms,
         percentile_disc(0.9) WITHIN GROUP (ORDER BY res.duration_ms) AS p90_ms,
         max(res.duration_ms) AS max_ms, count(*)::int AS runs,
         array_agg(res.duration_ms ORDER BY res.run_id) AS durations,
         array_agg(res.run_id ORDER BY res.run_id) AS run_ids
  FROM results res
  WHERE res.project_id = $1 AND res.run_id >= (SELECT min(id) FROM recent)
    AND res.run_id IN (SELECT id FROM recent) AND res.status <> 'skipped'
  GROUP BY res.test_id
)
SELECT s.test_id, s.mean_ms, s.p90_ms, s.max_ms, s.runs, s.durations, s.run_ids,
       t.file, t.title_path, t.playwright_project, t.title
FROM timed s
JOIN tests t ON t.id = s.test_id
WHERE ($3::bigint IS NULL OR (s.mean_ms, -s.test_id) < ($3, -$4::bigint))
ORDER BY s.mean_ms DESC, s.test_id
LIMIT $5
