-- Deletes a run and, by cascade, its results, attempts, events, files' rows and tags; returns what the
-- run-deleted update needs.
DELETE FROM runs WHERE id = $1
RETURNING id, project_id, status, total, passed, failed, timed_out, skipped, interrupted, flaky, attempts,
          expected_tests
