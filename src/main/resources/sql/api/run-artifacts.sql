-- A run's stored files, reports first, with the attempt each attempt file belongs to.
SELECT a.id, a.run_id, a.kind, a.report_type, a.label, a.name, a.content_type, a.size_bytes, a.storage_path,
       a.entry_count, a.retry, t.file, t.title_path, t.playwright_project
FROM artifacts a
LEFT JOIN tests t ON t.id = a.test_id
WHERE a.run_id = $1
ORDER BY a.kind <> 'report', a.id
