SELECT id, created_at, retired_at
FROM file_signing_keys
WHERE id = $1
