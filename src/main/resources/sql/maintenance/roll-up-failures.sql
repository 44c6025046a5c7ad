-- Moves up to $1 queued fingerprinted attempts (the oldest first) into the failure rollup (V15__failure_days.sql),
-- in one statement: taken off the queue, added to their day rows (a run counts once per fingerprint and day: for
-- its attempt of the fingerprint with the lowest id, whichever pass moves it) and to their days' test sets.
-- Only under failure_rollup_lock's row, SKIP LOCKED: one node at a time; the others move nothing. Answers how many
-- it moved.
WITH lock AS MATERIALIZED (
  SELECT id FROM failure_rollup_lock WHERE id = 1 FOR UPDATE SKIP LOCKED
), moved AS MATERIALIZED (
  DELETE FROM failure_pending p
  WHERE p.attempt_id IN (SELECT q.attempt_id FROM failure_pending q WHERE EXISTS (SELECT 1 FROM lock)
                         ORDER BY q.attempt_id LIMIT $1)
  RETURNING p.attempt_id, p.run_id, p.project_id, p.day, p.fingerprint, p.test_id, p.start_time, p.signature
), counted AS MATERIALIZED (
  SELECT m.*, CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = m.run_id
                                AND a.fingerprint = m.fingerprint COLLATE "default" AND a.id < m.attempt_id) THEN 0 ELSE 1 END AS first
  FROM moved m
), day_rows AS (
  INSERT INTO failure_days AS d (project_id, day, fingerprint, runs, attempts, first_seen, last_seen, last_run_id,
                                 signature)
  SELECT project_id, day, fingerprint, sum(first), count(*), min(start_time), max(start_time),
         (array_agg(run_id ORDER BY start_time DESC, run_id DESC))[1],
         (array_agg(signature ORDER BY start_time DESC, run_id DESC))[1]
  FROM counted
  GROUP BY project_id, day, fingerprint
  ON CONFLICT (project_id, day, fingerprint) DO UPDATE
  SET runs = d.runs + excluded.runs,
      attempts = d.attempts + excluded.attempts,
      first_seen = least(d.first_seen, excluded.first_seen),
      last_run_id = CASE WHEN (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
                         THEN excluded.last_run_id ELSE d.last_run_id END,
      signature = CASE WHEN (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
                       THEN excluded.signature ELSE d.signature END,
      last_seen = greatest(d.last_seen, excluded.last_seen)
), day_tests AS (
  INSERT INTO failure_day_tests (project_id, day, fingerprint, test_id)
  SELECT DISTINCT project_id, day, fingerprint, test_id
  FROM counted
  ON CONFLICT DO NOTHING
)
SELECT count(*)::int AS moved FROM moved
