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

-- V13's triggers now delete a run's or a test's attempts and results, and one parent at a time through the index
-- that leads with its id, as the keys' cascade did. V13 joined the transition table instead, which the planner
-- knows only by its row count: deleting 10 of 200 runs (50,000 of 1 M results) was planned as a hash join over a
-- scan of the whole table. With both tables deleted that way such a delete took 330–490 ms; this way 110–190 ms.
ALTER FUNCTION results_delete_of_runs() RENAME TO rows_delete_of_runs;
CREATE OR REPLACE FUNCTION rows_delete_of_runs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone_id bigint;
BEGIN
  FOR gone_id IN SELECT id FROM gone LOOP
    DELETE FROM attempts WHERE run_id = gone_id;
    DELETE FROM results WHERE run_id = gone_id;
  END LOOP;
  RETURN NULL;
END
$$;
ALTER TRIGGER runs_delete_results ON runs RENAME TO runs_delete_rows;

ALTER FUNCTION results_delete_of_tests() RENAME TO rows_delete_of_tests;
CREATE OR REPLACE FUNCTION rows_delete_of_tests() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone_id bigint;
BEGIN
  FOR gone_id IN SELECT id FROM gone LOOP
    DELETE FROM attempts WHERE test_id = gone_id;
    DELETE FROM results WHERE test_id = gone_id;
  END LOOP;
  RETURN NULL;
END
$$;
ALTER TRIGGER tests_delete_results ON tests RENAME TO tests_delete_rows;
