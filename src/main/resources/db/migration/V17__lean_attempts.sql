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

-- One trigger function for both parents now deletes their attempts and results (its argument: the column holding
-- the parent's id), one parent at a time through the index that leads with that column, as the keys' cascade did.
-- A join with the transition table, as V13's functions did, leaves the plan to the planner, which knows that table
-- only by its row count: for attempts, deleting 10 of 200 runs (51,750 of 1.04 M attempts) was planned as a hash
-- join over a scan of the whole table, and the delete took 330–490 ms against 100–140 ms this way (as much as the
-- cascade and V13's join, which used the results key there).
DROP TRIGGER runs_delete_results ON runs;
DROP TRIGGER tests_delete_results ON tests;
DROP FUNCTION results_delete_of_runs();
DROP FUNCTION results_delete_of_tests();

CREATE FUNCTION rows_delete_of_parents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone_id bigint;
BEGIN
  FOR gone_id IN SELECT id FROM gone LOOP
    EXECUTE format('DELETE FROM attempts WHERE %I = $1', TG_ARGV[0]) USING gone_id;
    EXECUTE format('DELETE FROM results WHERE %I = $1', TG_ARGV[0]) USING gone_id;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER runs_delete_rows AFTER DELETE ON runs
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rows_delete_of_parents('run_id');
CREATE TRIGGER tests_delete_rows AFTER DELETE ON tests
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION rows_delete_of_parents('test_id');
