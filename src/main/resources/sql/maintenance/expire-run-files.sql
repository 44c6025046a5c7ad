-- Files-only expiry: claims up to $2 runs that still have files and started more than files_days ago (finished,
-- not pinned), marks them files_expired_at and deletes their artifacts' rows, in one statement; their results stay.
-- $1: the configured files_days; a project's own value, when set, wins; 0 keeps files as long as the run. SKIP
-- LOCKED gives each run to one node only. Returns per run the files and bytes whose rows were removed; the caller
-- then removes the files from storage.
WITH policy AS (
  SELECT p.id AS project_id, COALESCE(pr.files_days, $1::int) AS files_days
  FROM projects p
  LEFT JOIN project_retention pr ON pr.project_id = p.id
),
claimed AS (
  UPDATE runs SET files_expired_at = now()
  WHERE id IN (
    SELECT r.id FROM runs r
    JOIN policy pol ON pol.project_id = r.project_id
    WHERE pol.files_days > 0
      AND r.start_time < now() - make_interval(days => pol.files_days)
      AND r.status <> 'running' AND NOT r.pinned
      AND EXISTS (SELECT 1 FROM artifacts a WHERE a.run_id = r.id)
    ORDER BY r.id
    LIMIT $2
    FOR UPDATE OF r SKIP LOCKED
  )
  RETURNING id, project_id
),
removed AS (
  DELETE FROM artifacts a
  USING claimed c
  WHERE a.run_id = c.id
  RETURNING a.run_id, a.size_bytes
)
SELECT c.id, c.project_id, count(x.run_id)::int AS files, COALESCE(sum(x.size_bytes), 0)::bigint AS bytes
FROM claimed c
LEFT JOIN removed x ON x.run_id = c.id
GROUP BY c.id, c.project_id
ORDER BY c.id
