-- A page of projects by name, each with its latest run's id and pass-rate totals over its last 20 finished runs.
-- $1 name after which the page starts (null: first page), $2 page size.
SELECT p.id, p.name, p.description, p.created_at,
       COALESCE((SELECT array_agg(pt.tag ORDER BY pt.tag) FROM project_tags pt WHERE pt.project_id = p.id),
                '{}'::text[]) AS tags,
       (SELECT r.id FROM runs r WHERE r.project_id = p.id ORDER BY r.id DESC LIMIT 1) AS latest_run_id,
       rate.passed, rate.executed, rate.runs
FROM projects p
LEFT JOIN LATERAL (
  SELECT sum(f.passed)::bigint AS passed, sum(f.total - f.skipped)::bigint AS executed, count(*)::int AS runs
  FROM (SELECT r.passed, r.total, r.skipped FROM runs r
        WHERE r.project_id = p.id AND r.status <> 'running'
        ORDER BY r.id DESC LIMIT 20) f
) rate ON true
WHERE ($1::text IS NULL OR p.name > $1)
ORDER BY p.name
LIMIT $2
