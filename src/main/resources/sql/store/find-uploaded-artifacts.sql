-- What a run already has of an upload (under the run's lock): its reports of the upload's types, and its files with
-- the upload's contents, each with the key of artifacts_upload_key (V9__file_upload_keys.sql).
SELECT a.id, a.run_id, a.kind, a.report_type, a.label, a.name, a.content_type, a.size_bytes, a.storage_path,
       a.entry_count, a.test_id, a.retry, a.content_sha256, t.file, t.title_path, t.playwright_project
FROM artifacts a
LEFT JOIN tests t ON t.id = a.test_id
WHERE a.run_id = $1
  AND ((a.kind = 'report' AND a.report_type = ANY($2::text[])) OR a.content_sha256 = ANY($3::bytea[]))
ORDER BY a.id
