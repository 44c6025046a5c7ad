-- Failure groups: every unexpected attempt (its status is not the one its test expects, and it ran) keeps its
-- error's fingerprint (model.ErrorFingerprint: the normalised message plus the test file's frame) and the
-- normalised message, so that a run's or a project's failures group by cause. Attempts stored before this
-- migration have none (the normalisation lives in the server, not in SQL).
ALTER TABLE attempts ADD COLUMN fingerprint text;
ALTER TABLE attempts ADD COLUMN error_signature text;
CREATE INDEX attempts_run_fingerprint_idx ON attempts (run_id, fingerprint) WHERE fingerprint IS NOT NULL;
