-- Files exactly once ("Files that work"): a resent upload (its answer was lost) or a later `flush` must find what
-- the first one stored instead of storing it again.
--
-- Each file's SHA-256, of its bytes as uploaded (for a report archive: the archive), computed while the part
-- streams to disk. Files stored before this migration have none and are never matched.
ALTER TABLE artifacts ADD COLUMN content_sha256 bytea CHECK (octet_length(content_sha256) = 32);

-- An upload's key: the same content under the same name for the same attempt (or for no attempt) of a run is the
-- same file. Identical bytes for two attempts, or under two names, stay two files. Reports remain one per type
-- (UNIQUE (run_id, kind, report_type) of V1); a repeated report is told apart from a different one by its hash.
-- Test ids start at 1, so 0 stands for "no attempt".
CREATE UNIQUE INDEX artifacts_upload_key ON artifacts
  (run_id, kind, coalesce(test_id, 0), coalesce(retry, -1), name, content_sha256)
  WHERE content_sha256 IS NOT NULL AND kind <> 'report';

-- When the server recorded the end of a streamed run, on its own clock (end_time is the client's). Files are still
-- accepted for `runs.filesGrace` after it, so that files whose answers were lost can follow the run's finish.
ALTER TABLE runs ADD COLUMN finished_at timestamptz;
UPDATE runs SET finished_at = last_activity_at WHERE status <> 'running' AND source = 'stream';
