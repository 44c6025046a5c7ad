-- One page of a run's results at a seq ($1 run, $2 seq): up to $6 of its attempts stored up to that seq, after
-- the key ($3 seq, $4 test id, $5 retry). Attempts of one-shot runs have no seq: they come first, in (test, retry)
-- order; the others follow in seq order, read along the (run_id, seq) index (once $3 is past 0, the first branch
-- is not run at all). Each row also carries its test's statuses over all its attempts up to that seq and the
-- expected status of the highest retry among them, so that each result's outcome is its test's, exactly.
SELECT a.test_id, t.file, t.title_path, t.playwright_project, t.variant, a.retry, a.status, a.expected_status,
       a.duration_ms, a.line, a.col, a.error_message, a.error_stack, a.error_location, a.steps, a.annotations,
       a.attachments, a.extra, a.outcome, a.fingerprint, a.seq, o.test_statuses, o.test_expected_status
FROM (
  (SELECT *
   FROM attempts
   WHERE $3 = 0 AND run_id = $1 AND seq IS NULL AND (test_id, retry) > ($4, $5)
   ORDER BY test_id, retry
   LIMIT $6)
  UNION ALL
  (SELECT *
   FROM attempts
   WHERE run_id = $1 AND seq > $3 AND seq <= $2
   ORDER BY seq
   LIMIT $6)
) a
JOIN tests t ON t.id = a.test_id
CROSS JOIN LATERAL (
  SELECT array_agg(b.status ORDER BY b.retry) AS test_statuses,
         (array_agg(b.expected_status ORDER BY b.retry DESC))[1] AS test_expected_status
  FROM attempts b
  WHERE b.run_id = $1 AND b.test_id = a.test_id AND (b.seq IS NULL OR b.seq <= $2)
) o
ORDER BY a.seq NULLS FIRST, a.test_id, a.retry
LIMIT $6
