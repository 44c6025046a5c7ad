-- A trace viewer by id (the files origin serves its entries).
SELECT id, version, entry_count, size_bytes, created_at FROM trace_viewers WHERE id = $1
