-- Claims idle running runs atomically: SKIP LOCKED and the status condition make each run interrupted once,
-- whichever node sweeps, and never while an ingest transaction holds it.
UPDATE runs
SET status = 'interrupted', end_time = now(),
    duration_ms = GREATEST(0, (extract(epoch FROM now() - start_time) * 1000)::bigint),
    last_seq = last_seq + 1, finished_at = now()
WHERE id IN (
  SELECT id FROM runs
  WHERE status = 'running' AND last_activity_at < now() - make_interval(secs => $1::double precision / 1000)
  ORDER BY last_activity_at
  LIMIT 500
  FOR UPDATE SKIP LOCKED
)
RETURNING id, last_seq
