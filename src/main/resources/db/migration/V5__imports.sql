-- Imports: a finished run read from a report file (JUnit XML, Playwright's JSON report) by
-- POST /api/test-runs/import is stored like a one-shot run, with its own source.
ALTER TABLE runs DROP CONSTRAINT runs_source_check;
ALTER TABLE runs ADD CONSTRAINT runs_source_check CHECK (source IN ('stream', 'submit', 'upload', 'import'));
