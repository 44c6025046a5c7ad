INSERT INTO file_signing_keys (secret)
VALUES ($1)
RETURNING id, created_at, retired_at
