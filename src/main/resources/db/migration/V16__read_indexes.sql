-- The indexes of results, fitted to the reads (docs/benchmarks.md, "Round 2, closing: slowest tests, failure
-- context").
--
-- The slowest tests are ranked from each run's durations kept in memory (api/SlowestTests.java), read through the
-- results primary key; results_project_run_idx served only their per-request aggregation, and every stored result
-- paid for it.
DROP INDEX results_project_run_idx;

-- Failure context at 16 M results.
-- A failure context walks each always-failing test back through its earlier results (api/failing-streaks.sql: up
-- to 100 per test, newest first) to find where its streak began, and reads each result's outcome. With the outcome
-- in results_test_idx that walk is an index-only scan: one index range per test instead of one heap page per
-- result (1,000 random heap pages for 10 such tests on a 9 GB table). Same key as before, so a test's history and
-- the tests search use it as they did.
CREATE INDEX results_test_outcome_idx ON results (test_id, run_id DESC) INCLUDE (outcome);
DROP INDEX results_test_idx;
ALTER INDEX results_test_outcome_idx RENAME TO results_test_idx;

-- Index-only scans skip the heap only on pages the visibility map marks all-visible, which autovacuum sets. By
-- default an insert-only table is vacuumed after 20 % growth (3 M results at 16 M), so the newest results, the
-- ones a failure context walks first, would often still be read from the heap; vacuum results after 1 % growth
-- instead (at most once a minute, autovacuum's naptime; an insert-only vacuum reads only the pages that are new).
ALTER TABLE results SET (autovacuum_vacuum_insert_scale_factor = 0.01);
