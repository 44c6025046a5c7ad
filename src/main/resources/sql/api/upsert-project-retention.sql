-- Replaces a project's retention overrides ($2 runs_days, $3 keep_runs, $4 files_days; null inherits the default)
-- and records who set them ($5). No row when the project does not exist.
INSERT INTO project_retention (project_id, runs_days, keep_runs, files_days, updated_at, updated_by)
SELECT p.id, $2, $3, $4, now(), $5
FROM projects p
WHERE p.id = $1
ON CONFLICT (project_id) DO UPDATE
SET runs_days = EXCLUDED.runs_days, keep_runs = EXCLUDED.keep_runs, files_days = EXCLUDED.files_days,
    updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
RETURNING project_id AS id, runs_days, keep_runs, files_days, updated_at
