-- The shards still running of runs the sweeper interrupted.
UPDATE run_shards
SET status = 'interrupted', end_time = now()
WHERE run_id = ANY($1::bigint[]) AND status = 'running'
