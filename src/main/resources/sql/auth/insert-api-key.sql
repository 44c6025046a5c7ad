-- $1 user id, $2 name, $3 prefix, $4 SHA-256 of the key, $5 expiry (null: never)
INSERT INTO api_keys (user_id, name, prefix, key_hash, expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at
