-- A run's unexpected failures grouped by fingerprint, most tests first: attempts, tests, and the group's first
-- attempt as its example. $1 run, $2 groups at most.
SELECT g.fingerprint, g.signature, g.attempts, g.tests, a.test_id, t.title, t.title_path, t.file,
       t.playwright_project, a.retry, a.status, left(a.error_message, 2000) AS error_message, a.seq
FROM (
  SELECT fingerprint, min(error_signature) AS signature, count(*)::int AS attempts,
         count(DISTINCT test_id)::int AS tests, min(id) AS first_id
  FROM attempts
  WHERE run_id = $1 AND fingerprint IS NOT NULL
  GROUP BY fingerprint
) g
JOIN attempts a ON a.id = g.first_id
JOIN tests t ON t.id = a.test_id
ORDER BY g.tests DESC, g.attempts DESC, g.fingerprint
LIMIT $2
