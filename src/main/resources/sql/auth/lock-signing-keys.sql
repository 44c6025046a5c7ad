-- Serialises the creation and retirement of file signing keys (every node, every instance) until commit.
SELECT pg_advisory_xact_lock(hashtext('runboard.auth.signing-keys'))
