-- Performance round 2: a stored result costs less to write.
--
-- results has no foreign keys any more. Every result is written under its run's row lock (store/lock-run.sql, in
-- the same transaction), so its run exists until the write commits, and test ids come from the project's tests in
-- that transaction; the per-row key checks (a FOR KEY SHARE probe of runs and of tests for every result) only cost.
-- Their ON DELETE CASCADE is kept by the statement-level triggers below: deleting runs (an administrator's delete,
-- the retention purge) or tests deletes their results in the same statement, as the cascade did.
ALTER TABLE results DROP CONSTRAINT results_run_id_fkey;
ALTER TABLE results DROP CONSTRAINT results_test_id_fkey;

CREATE FUNCTION results_delete_of_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM results r USING gone g WHERE r.run_id = g.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER runs_delete_results AFTER DELETE ON runs
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION results_delete_of_runs();

CREATE FUNCTION results_delete_of_tests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM results r USING gone g WHERE r.test_id = g.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER tests_delete_results AFTER DELETE ON tests
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION results_delete_of_tests();

-- An index only one read used: a run's results filtered by status. That read (api/run-results-page.sql) walks the
-- run's results in test order through the primary key (run_id, test_id) and filters them, at most the run's size.
DROP INDEX results_run_status_idx;
