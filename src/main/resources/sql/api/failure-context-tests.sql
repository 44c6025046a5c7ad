-- The failures of run $1 that triage explains: unexpected results, and expected failures (test.fail(): outcome
-- expected, the final attempt neither passed, skipped nor interrupted). By title path; $2 at most.
SELECT r.test_id, t.title, t.title_path, t.file, t.playwright_project, r.status, r.outcome
FROM results r
JOIN tests t ON t.id = r.test_id
WHERE r.run_id = $1
  AND (r.outcome = 'unexpected' OR (r.outcome = 'expected' AND r.status NOT IN ('passed', 'skipped', 'interrupted')))
ORDER BY t.title_path, t.file, t.playwright_project, r.test_id
LIMIT $2
