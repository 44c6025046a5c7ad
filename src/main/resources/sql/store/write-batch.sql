-- Stores one batch of a run in one statement: new attempts, the changed results, the batch's events, and the
-- counter increments. The caller holds the run's row lock and has computed every value under it: which attempts
-- are new (so plain inserts: the unique key on (run_id, test_id, retry) only guards), which tests are new to the
-- run ($41: their results are inserted) and which results change (updated). A one-shot run, whose only batch
-- this is, also sets its duration percentiles ($42, $43: p50 and p90 of its non-skipped results, computed by the
-- caller as percentile_disc does; null leaves them).
WITH new_attempts AS (
  INSERT INTO attempts (run_id, test_id, retry, status, expected_status, duration_ms, line, col, error_message,
                        error_stack, error_location, steps, annotations, attachments, extra, seq, outcome,
                        fingerprint, error_signature)
  SELECT $1, a.test_id, a.retry, a.status, a.expected_status, a.duration_ms, a.line, a.col, a.error_message,
         a.error_stack, a.error_location::jsonb, a.steps::jsonb, a.annotations::jsonb, a.attachments::jsonb,
         a.extra::jsonb, a.seq, a.outcome, a.fingerprint, a.error_signature
  FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[], $9::text[],
              $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[],
              $17::text[], $18::text[], $19::text[])
    AS a(test_id, retry, status, expected_status, duration_ms, line, col, error_message, error_stack,
         error_location, steps, annotations, attachments, extra, seq, outcome, fingerprint, error_signature)
), new_results AS (
  INSERT INTO results (run_id, test_id, project_id, final_retry, status, expected_status, duration_ms, attempt_count,
                       outcome)
  SELECT $1, r.test_id, $20, r.final_retry, r.status, r.expected_status, r.duration_ms, r.attempt_count, r.outcome
  FROM unnest($21::bigint[], $22::int[], $23::text[], $24::text[], $25::bigint[], $26::int[], $27::text[],
              $41::boolean[])
    AS r(test_id, final_retry, status, expected_status, duration_ms, attempt_count, outcome, fresh)
  WHERE r.fresh
), changed_results AS (
  UPDATE results
  SET final_retry = r.final_retry, status = r.status, expected_status = r.expected_status,
      duration_ms = r.duration_ms, attempt_count = r.attempt_count, outcome = r.outcome
  FROM unnest($21::bigint[], $22::int[], $23::text[], $24::text[], $25::bigint[], $26::int[], $27::text[],
              $41::boolean[])
    AS r(test_id, final_retry, status, expected_status, duration_ms, attempt_count, outcome, fresh)
  WHERE NOT r.fresh AND results.run_id = $1 AND results.test_id = r.test_id
), shard_counters AS (
  -- A sharded run's batch comes from one shard ($40; null otherwise): its counter changes are that shard's too.
  UPDATE run_shards
  SET total = total + $31, passed = passed + $32, failed = failed + $33, timed_out = timed_out + $34,
      skipped = skipped + $35, interrupted = interrupted + $36, flaky = flaky + $37, attempts = attempts + $38
  WHERE run_id = $1 AND shard = $40::int
), new_events AS (
  INSERT INTO run_events (run_id, seq, type, data)
  SELECT $1, e.seq, e.type, e.data::jsonb
  FROM unnest($28::bigint[], $29::text[], $30::text[]) AS e(seq, type, data)
)
UPDATE runs
SET total = total + $31, passed = passed + $32, failed = failed + $33, timed_out = timed_out + $34,
    skipped = skipped + $35, interrupted = interrupted + $36, flaky = flaky + $37, attempts = attempts + $38,
    last_seq = $39, last_activity_at = now(),
    test_p50_ms = coalesce($42::bigint, test_p50_ms), test_p90_ms = coalesce($43::bigint, test_p90_ms)
WHERE id = $1
RETURNING total, passed, failed, timed_out, skipped, interrupted, flaky, attempts, expected_tests
