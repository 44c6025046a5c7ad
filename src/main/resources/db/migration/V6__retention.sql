-- Retention: pinned runs, per-project overrides of the retention defaults (config `retention.*`), and the time a
-- run's files were removed by files-only expiry. The purge job itself (maintenance.RetentionVerticle) deletes whole
-- runs with the cascades of V1 (attempts, results, events, artifacts' rows, tags, shards).

-- A pinned run is never purged, neither whole nor its files, whatever the settings say.
ALTER TABLE runs ADD COLUMN pinned boolean NOT NULL DEFAULT false;
-- When the run's files (artifacts: reports, traces, screenshots, videos) were removed by `filesDays`; its results
-- are kept. Null while the run has its files, or never had any.
ALTER TABLE runs ADD COLUMN files_expired_at timestamptz;

-- Per-project overrides. A null column inherits the configured default; 0 means no limit (keep forever, no cap on
-- the number of runs, files as long as the run). One row per project at most; it goes with its project.
CREATE TABLE project_retention (
  project_id bigint PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  -- Runs whose start_time is older than this many days are deleted.
  runs_days  integer CHECK (runs_days BETWEEN 0 AND 36500),
  -- Only the project's newest this-many runs (by id, whatever their status) are kept.
  keep_runs  integer CHECK (keep_runs BETWEEN 0 AND 1000000),
  -- The files of runs whose start_time is older than this many days are removed (the results stay).
  files_days integer CHECK (files_days BETWEEN 0 AND 36500),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- The administrator who last changed them; no foreign key, so that deleting the account keeps the settings.
  updated_by bigint
);

-- The retention job deletes a project's runs that started before a cutoff (maintenance/purge-runs-older.sql).
CREATE INDEX runs_project_start_idx ON runs (project_id, start_time);
