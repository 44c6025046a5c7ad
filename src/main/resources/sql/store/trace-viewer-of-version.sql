-- The trace viewer of one Playwright version, if it was uploaded.
SELECT id, version, entry_count, size_bytes, created_at FROM trace_viewers WHERE version = $1
