-- Files-only expiry: claims up to $2 runs that still have files and started more than files_days ago (finished,
-- not pinned), marks them files_expired_at and deletes their artifacts' rows, in one statement; their results stay.
-- $1: the configured files_days; a project's own value, when set, wins; 0 keeps files as long as the run. Returns
-- per run the files and bytes whose rows went; the caller then removes the files from storage.
-- Candidates come from artifacts (the runs that have files, oldest first), each run looked up and locked on its
-- own (the LATERAL with its locking clause is never flattened into a join): a backlog costs a few index lookups
-- per run, and a pass with nothing to do reads the artifacts' run ids once, nothing when no project expires files.
-- SKIP LOCKED gives each run to one node only.
WITH claimed AS (
  UPDATE runs SET files_expired_at = now()
  WHERE id IN (
    SELECT c.id
    FROM (
      SELECT DISTINCT a.run_id FROM artifacts a
      WHERE $1::int > 0 OR EXISTS (SELECT 1 FROM project_retention WHERE files_days > 0)
      ORDER BY a.run_id
    ) f
    CROSS JOIN LATERAL (
      SELECT r.id FROM runs r
      LEFT JOIN project_retention pr ON pr.project_id = r.project_id
      WHERE r.id = f.run_id AND r.status <> 'running' AND NOT r.pinned
        AND COALESCE(pr.files_days, $1::int) > 0
        AND r.start_time < now() - make_interval(days => COALESCE(pr.files_days, $1::int))
      FOR UPDATE OF r SKIP LOCKED
    ) c
    LIMIT $2
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
