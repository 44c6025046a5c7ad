-- Serialises first-run setups (HTTP requests, the unattended administrator, every node) until commit.
SELECT pg_advisory_xact_lock(hashtext('runboard.auth.setup'))
