-- Protocol v1.1, sharded runs: all shards of one CI build (project + build id) stream into one run. Each shard has
-- its own stream token, status, times and counters; the run stays running until every one of its `shard_total`
-- shards has finished, then takes the worst shard status.
ALTER TABLE runs ADD COLUMN build_id text CHECK (char_length(build_id) BETWEEN 1 AND 200);
ALTER TABLE runs ADD COLUMN shard_total integer CHECK (shard_total BETWEEN 1 AND 1000);
ALTER TABLE runs ADD CHECK ((build_id IS NULL) = (shard_total IS NULL));
CREATE UNIQUE INDEX runs_build_key ON runs (project_id, build_id) WHERE build_id IS NOT NULL;

CREATE TABLE run_shards (
  run_id            bigint      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  shard             integer     NOT NULL CHECK (shard >= 1),
  status            text        NOT NULL CHECK (status IN ('running', 'passed', 'failed', 'timedout', 'interrupted')),
  -- SHA-256 of the shard's current stream token (see V3: it derives from the credentials that started the shard).
  stream_token_hash bytea       NOT NULL,
  started_by_user   bigint,
  started_by_key    bigint,
  start_time        timestamptz NOT NULL,
  end_time          timestamptz,
  expected_tests    integer CHECK (expected_tests >= 0),
  -- The shard's part of the run's counters: the changes of the batches its token sent.
  total             integer     NOT NULL DEFAULT 0,
  passed            integer     NOT NULL DEFAULT 0,
  failed            integer     NOT NULL DEFAULT 0,
  timed_out         integer     NOT NULL DEFAULT 0,
  skipped           integer     NOT NULL DEFAULT 0,
  interrupted       integer     NOT NULL DEFAULT 0,
  flaky             integer     NOT NULL DEFAULT 0,
  attempts          integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, shard),
  CHECK (status = 'running' OR end_time IS NOT NULL)
);
CREATE UNIQUE INDEX run_shards_token_key ON run_shards (stream_token_hash);

ALTER TABLE run_events DROP CONSTRAINT run_events_type_check;
ALTER TABLE run_events ADD CONSTRAINT run_events_type_check
  CHECK (type IN ('run-progress', 'run-files', 'run-finished', 'shard-started', 'shard-finished'));

-- A sharded run's shards as run summaries show them (times as epoch milliseconds; the server formats them), so
-- that every query of summaries selects them the same way.
CREATE FUNCTION run_shards_json(run bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
      'current', s.shard, 'status', s.status,
      'startTime', (extract(epoch FROM s.start_time) * 1000)::bigint,
      'endTime', (extract(epoch FROM s.end_time) * 1000)::bigint,
      'counters', jsonb_build_object('total', s.total, 'passed', s.passed, 'failed', s.failed,
        'timedOut', s.timed_out, 'skipped', s.skipped, 'interrupted', s.interrupted, 'flaky', s.flaky,
        'attempts', s.attempts, 'expectedTests', s.expected_tests))
    ORDER BY s.shard), '[]'::jsonb)
  FROM run_shards s
  WHERE s.run_id = run
$$;
