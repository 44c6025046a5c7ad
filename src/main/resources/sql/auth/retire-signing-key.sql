UPDATE file_signing_keys
SET retired_at = now()
WHERE id = $1
  AND retired_at IS NULL
RETURNING id
