-- Performance round 2: a stored attempt costs less to write, as V13 did for results.
--
-- attempts has no foreign keys any more: each key cost a FOR KEY SHARE probe of its parent (runs, tests) for every
-- stored attempt, run by a queued row trigger; without them the batch statement costs ≈ 45–60 µs less of PostgreSQL
-- per stored result in the ingest bench (benchmarks.md, "Round 2, session 5"). Every attempt is written under its
-- run's row lock (store/lock-run.sql; a one-shot run is inserted in the same transaction), so its run exists until
-- the write commits and a delete of the run waits for it; test ids come from the project's tests in that
-- transaction, and tests are deleted only with their project. The ON DELETE CASCADE the keys had is kept by
-- statement-level triggers, as for results: deleting runs (an administrator's delete, the retention purge) or
-- tests deletes their attempts in the same statement (no table references attempts by key).
ALTER TABLE attempts DROP CONSTRAINT attempts_run_id_fkey;
ALTER TABLE attempts DROP CONSTRAINT attempts_test_id_fkey;

-- V13's triggers now delete a run's or a test's attempts and results, one statement each.
ALTER FUNCTION results_delete_of_runs() RENAME TO rows_delete_of_runs;
CREATE OR REPLACE FUNCTION rows_delete_of_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM attempts a USING gone g WHERE a.run_id = g.id;
  DELETE FROM results r USING gone g WHERE r.run_id = g.id;
  RETURN NULL;
END
$$;
ALTER TRIGGER runs_delete_results ON runs RENAME TO runs_delete_rows;

ALTER FUNCTION results_delete_of_tests() RENAME TO rows_delete_of_tests;
CREATE OR REPLACE FUNCTION rows_delete_of_tests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM attempts a USING gone g WHERE a.test_id = g.id;
  DELETE FROM results r USING gone g WHERE r.test_id = g.id;
  RETURN NULL;
END
$$;
ALTER TRIGGER tests_delete_results ON tests RENAME TO tests_delete_rows;
