SELECT id, secret
FROM file_signing_keys
WHERE retired_at IS NULL
ORDER BY id
