-- Run $1 against base run $2, test by test (tests are the same rows in one project): the lists of the run
-- comparison, each sorted by title path and cut to $5 items, with its full size. Failing means outcome
-- unexpected. slower: neither final attempt skipped nor interrupted, duration > base duration × (1 + $3 / 100)
-- and at least $4 ms more (numeric: a duration times 10,100 can pass bigint). The pairs (two ranges of the results
-- primary key, merged) are read once; each list filters them.
WITH pairs AS MATERIALIZED (
  SELECT coalesce(c.test_id, b.test_id) AS test_id,
         c.status, c.outcome, c.duration_ms,
         b.status AS base_status, b.outcome AS base_outcome, b.duration_ms AS base_duration_ms
  FROM (SELECT test_id, status, outcome, duration_ms FROM results WHERE run_id = $1) c
  FULL JOIN (SELECT test_id, status, outcome, duration_ms FROM results WHERE run_id = $2) b ON b.test_id = c.test_id
), listed AS (
  SELECT 'newlyFailing' AS list, * FROM pairs WHERE outcome = 'unexpected' AND base_outcome IS DISTINCT FROM 'unexpected'
  UNION ALL
  SELECT 'fixed', * FROM pairs WHERE base_outcome = 'unexpected' AND outcome IN ('expected', 'flaky')
  UNION ALL
  SELECT 'stillFailing', * FROM pairs WHERE outcome = 'unexpected' AND base_outcome = 'unexpected'
  UNION ALL
  SELECT 'newTests', * FROM pairs WHERE base_outcome IS NULL
  UNION ALL
  SELECT 'removedTests', * FROM pairs WHERE outcome IS NULL
  UNION ALL
  SELECT 'slower', * FROM pairs
  WHERE status NOT IN ('skipped', 'interrupted') AND base_status NOT IN ('skipped', 'interrupted')
    AND duration_ms::numeric * 100 > base_duration_ms::numeric * (100 + $3::int)
    AND duration_ms - base_duration_ms >= $4::bigint
), ranked AS (
  SELECT x.*, t.title, t.title_path, t.file, t.playwright_project,
         row_number() OVER (PARTITION BY x.list ORDER BY t.title_path, t.file, t.playwright_project, x.test_id) AS n,
         count(*) OVER (PARTITION BY x.list) AS list_size
  FROM listed x
  JOIN tests t ON t.id = x.test_id
)
SELECT list, list_size::int AS list_size, test_id, title, title_path, file, playwright_project,
       status, outcome, duration_ms, base_status, base_outcome, base_duration_ms
FROM ranked
WHERE n <= $5
ORDER BY list, n
