-- Run $1 against base run $2, test by test (tests are the same rows in one project): the lists of the run
-- comparison, each sorted by title path and cut to $5 items, with its full size. Failing means outcome
-- unexpected. slower: neither final attempt skipped nor interrupted, duration > base duration × (1 + $3 / 100)
-- and at least $4 ms more (numeric: a duration times 10,100 can pass bigint).
WITH pairs AS (
  SELECT coalesce(c.test_id, b.test_id) AS test_id,
         c.status, c.outcome, c.duration_ms,
         b.status AS base_status, b.outcome AS base_outcome, b.duration_ms AS base_duration_ms
  FROM (SELECT test_id, status, outcome, duration_ms FROM results WHERE run_id = $1) c
  FULL JOIN (SELECT test_id, status, outcome, duration_ms FROM results WHERE run_id = $2) b ON b.test_id = c.test_id
), listed AS (
  SELECT l.list, p.*
  FROM pairs p
  CROSS JOIN LATERAL (VALUES
    ('newlyFailing', p.outcome = 'unexpected' AND p.base_outcome IS DISTINCT FROM 'unexpected'),
    ('fixed', p.base_outcome = 'unexpected' AND p.outcome IN ('expected', 'flaky')),
    ('stillFailing', p.outcome = 'unexpected' AND p.base_outcome = 'unexpected'),
    ('newTests', p.base_outcome IS NULL),
    ('removedTests', p.outcome IS NULL),
    ('slower', p.status NOT IN ('skipped', 'interrupted') AND p.base_status NOT IN ('skipped', 'interrupted')
      AND p.duration_ms::numeric * 100 > p.base_duration_ms::numeric * (100 + $3::int)
      AND p.duration_ms - p.base_duration_ms >= $4::bigint)
  ) l(list, hit)
  WHERE l.hit
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
