-- A new trace viewer; no row when the version has one already (another upload won: it is kept).
INSERT INTO trace_viewers (version, entry_count, size_bytes) VALUES ($1, $2, $3)
ON CONFLICT (version) DO NOTHING
RETURNING id, version, entry_count, size_bytes, created_at
