-- A shard's finish: its status and end, its finish metadata under the run's metadata.shards.<current>, and the seq
-- of its shard-finished event. Returns how many of the run's shards have finished, with their worst status and
-- last end (the run ends with them when all have).
WITH shard AS (
  UPDATE run_shards
  SET status = $3, end_time = $4
  WHERE run_id = $1 AND shard = $2
  RETURNING run_id
), run AS (
  UPDATE runs
  SET metadata = jsonb_set(metadata, '{shards}',
                           coalesce(metadata -> 'shards', '{}'::jsonb) || jsonb_build_object($2::text, $5::jsonb)),
      last_seq = last_seq + 1, last_activity_at = now()
  WHERE id = $1
  RETURNING last_seq, shard_total
)
SELECT run.last_seq, run.shard_total,
       -- This shard's new state is not visible to the statement's own snapshot: count it here.
       1 + (SELECT count(*) FROM run_shards s WHERE s.run_id = $1 AND s.shard <> $2 AND s.status <> 'running')
         AS finished,
       (SELECT array_agg(s.status) FROM run_shards s WHERE s.run_id = $1 AND s.shard <> $2 AND s.status <> 'running')
         AS other_statuses,
       greatest($4::timestamptz,
                (SELECT max(s.end_time) FROM run_shards s WHERE s.run_id = $1 AND s.shard <> $2)) AS last_end
FROM run
