-- Protocol v1.1: outcomes as Playwright defines them (TestCase.outcome()).
-- Every attempt keeps the outcome its test had once it was stored (counting the attempts stored before it), and
-- every result the test's outcome in the run. Counters count tests by outcome: an expected failure (test.fail())
-- is passed, not failed; flaky means outcome 'flaky'. Stored runs are recomputed here.

ALTER TABLE attempts ADD COLUMN outcome text CHECK (outcome IN ('skipped', 'expected', 'unexpected', 'flaky'));
ALTER TABLE results ADD COLUMN outcome text CHECK (outcome IN ('skipped', 'expected', 'unexpected', 'flaky'));

-- An attempt's outcome over the attempts of its test stored up to it (insertion order = seq order), with the
-- expected status of the highest retry among them.
WITH counted AS (
  SELECT a.id,
         count(*) FILTER (WHERE b.status = 'skipped' AND x.expected = 'skipped') AS s,
         count(*) FILTER (WHERE b.status NOT IN ('skipped', 'interrupted') AND b.status = x.expected) AS e,
         count(*) FILTER (WHERE b.status NOT IN ('skipped', 'interrupted') AND b.status <> x.expected) AS u
  FROM attempts a
  CROSS JOIN LATERAL (
    SELECT c.expected_status AS expected FROM attempts c
    WHERE c.run_id = a.run_id AND c.test_id = a.test_id AND c.id <= a.id
    ORDER BY c.retry DESC LIMIT 1
  ) x
  JOIN attempts b ON b.run_id = a.run_id AND b.test_id = a.test_id AND b.id <= a.id
  GROUP BY a.id, x.expected
)
UPDATE attempts SET outcome = CASE
    WHEN c.e = 0 AND c.u = 0 THEN 'skipped'
    WHEN c.u = 0 THEN 'expected'
    WHEN c.e = 0 AND c.s = 0 THEN 'unexpected'
    ELSE 'flaky' END
FROM counted c
WHERE attempts.id = c.id;

-- A result's outcome is that of the test's last stored attempt, which counts them all; its expected status that
-- of the final attempt.
UPDATE results r SET outcome = last.outcome
FROM (
  SELECT DISTINCT ON (run_id, test_id) run_id, test_id, outcome
  FROM attempts
  ORDER BY run_id, test_id, id DESC
) last
WHERE last.run_id = r.run_id AND last.test_id = r.test_id;

ALTER TABLE attempts ALTER COLUMN outcome SET NOT NULL;
ALTER TABLE results ALTER COLUMN outcome SET NOT NULL;

-- Flaky is an outcome now (a test.fail() test that passed on retry is not flaky but unexpected, and so on).
ALTER TABLE results DROP COLUMN flaky;
ALTER TABLE results ADD COLUMN flaky boolean GENERATED ALWAYS AS (outcome = 'flaky') STORED;
CREATE INDEX results_project_flaky_idx ON results (project_id, run_id DESC) WHERE flaky;

-- Counters by outcome; one-shot runs have no announced test count (old reporters' totalTests counts attempts).
UPDATE runs SET expected_tests = NULL WHERE source IN ('submit', 'upload');
UPDATE runs ru SET
  total = c.total, passed = c.passed, failed = c.failed, timed_out = c.timed_out, skipped = c.skipped,
  interrupted = c.interrupted, flaky = c.flaky
FROM (
  SELECT run_id,
         count(*)::int AS total,
         count(*) FILTER (WHERE status <> 'interrupted' AND outcome IN ('expected', 'flaky'))::int AS passed,
         count(*) FILTER (WHERE status NOT IN ('interrupted', 'timedOut') AND outcome = 'unexpected')::int AS failed,
         count(*) FILTER (WHERE status = 'timedOut' AND outcome = 'unexpected')::int AS timed_out,
         count(*) FILTER (WHERE status <> 'interrupted' AND outcome = 'skipped')::int AS skipped,
         count(*) FILTER (WHERE status = 'interrupted')::int AS interrupted,
         count(*) FILTER (WHERE outcome = 'flaky')::int AS flaky
  FROM results
  GROUP BY run_id
) c
WHERE ru.id = c.run_id;

-- The summaries kept in run-finished events carry the recomputed counters.
UPDATE run_events e SET data = jsonb_set(e.data, '{run,counters}', jsonb_build_object(
    'total', r.total, 'passed', r.passed, 'failed', r.failed, 'timedOut', r.timed_out, 'skipped', r.skipped,
    'interrupted', r.interrupted, 'flaky', r.flaky, 'attempts', r.attempts, 'expectedTests', r.expected_tests))
FROM runs r
WHERE e.type = 'run-finished' AND r.id = e.run_id;
