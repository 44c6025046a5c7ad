-- The tests of run $1 that failed there and passed in run $2 (as counted in mark-run.sql), at most $3.
SELECT t.id, t.file, t.title_path, t.playwright_project, n.status
FROM results n
JOIN results b ON b.test_id = n.test_id AND b.run_id = $2
JOIN tests t ON t.id = n.test_id
WHERE n.run_id = $1
  AND n.status <> 'interrupted' AND n.outcome = 'unexpected'
  AND b.status <> 'interrupted' AND b.outcome IN ('expected', 'flaky')
ORDER BY t.file, t.title_path, t.playwright_project, t.id
LIMIT $3
