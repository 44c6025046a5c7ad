SELECT a.id, a.run_id, a.kind, a.report_type, a.label, a.name, a.content_type, a.size_bytes, a.storage_path,
       a.entry_count, a.retry, t.title_path, t.file, t.playwright_project
FROM artifacts a
LEFT JOIN tests t ON t.id = a.test_id
WHERE a.id = $1
