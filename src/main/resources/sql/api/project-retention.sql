-- A project's retention overrides (null columns: the configured default applies); no row when the project does
-- not exist.
SELECT p.id, pr.runs_days, pr.keep_runs, pr.files_days, pr.updated_at
FROM projects p
LEFT JOIN project_retention pr ON pr.project_id = p.id
WHERE p.id = $1
