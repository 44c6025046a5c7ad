-- Tests of project $1 whose file or title path contains the search: $2 a LIKE pattern, escaped and lower case
-- (null: every test). By file, then test id; $3/$4 the (file, id) after which the page starts, $5 page size.
-- Each test comes with its last 10 results, newest first (results_test_idx, 10 entries per test of the page).
WITH page AS (
  SELECT t.id, t.file, t.title_path, t.playwright_project, t.title
  FROM tests t
  WHERE t.project_id = $1
    AND ($2::text IS NULL OR lower(t.file) LIKE $2 OR lower(array_to_string(t.title_path, ' ')) LIKE $2)
    AND ($3::text IS NULL OR (t.file, t.id) > ($3, $4::bigint))
  ORDER BY t.file, t.id
  LIMIT $5
)
SELECT p.id AS test_id, p.file, p.title_path, p.playwright_project, p.title,
       h.run_ids, h.statuses, h.outcomes, h.last_run_at
FROM page p
LEFT JOIN LATERAL (
  SELECT array_agg(x.run_id ORDER BY x.run_id DESC) AS run_ids,
         array_agg(x.status ORDER BY x.run_id DESC) AS statuses,
         array_agg(x.outcome ORDER BY x.run_id DESC) AS outcomes,
         max(x.start_time) AS last_run_at
  FROM (
    SELECT r.run_id, r.status, r.outcome, ru.start_time
    FROM results r JOIN runs ru ON ru.id = r.run_id
    WHERE r.test_id = p.id
    ORDER BY r.run_id DESC
    LIMIT 10
  ) x
) h ON true
ORDER BY p.file, p.id
