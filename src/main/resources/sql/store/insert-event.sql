INSERT INTO run_events (run_id, seq, type, data)
VALUES ($1, $2, $3, $4::jsonb)
