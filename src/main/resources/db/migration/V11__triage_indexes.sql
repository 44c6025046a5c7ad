-- Triage and failure groups at 1 M results (docs/api.md, "Query plans").
-- A project's failure groups read every fingerprinted attempt of the window's runs (tens of thousands over 30 days):
-- with test_id in the index that is an index-only scan instead of one heap page per attempt. Same key and predicate
-- as before, so a run's failure groups use it as they did.
DROP INDEX attempts_run_fingerprint_idx;
CREATE INDEX attempts_run_fingerprint_idx ON attempts (run_id, fingerprint) INCLUDE (test_id)
  WHERE fingerprint IS NOT NULL;
