-- Who started a streamed run: the account, and the API key when it started with one. A run's stream tokens derive
-- from that authority: they work only while it holds (the key neither revoked nor expired, the account still
-- there with the reporter role or above), and a repeated start with the run's runKey must come from the same
-- account (or an administrator). No foreign keys on purpose: a deleted account or key must end the authority, not
-- clear the columns. Runs started before this migration have neither and keep working as before.
ALTER TABLE runs ADD COLUMN started_by_user bigint;
ALTER TABLE runs ADD COLUMN started_by_key bigint;
