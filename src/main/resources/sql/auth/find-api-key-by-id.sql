SELECT id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at
FROM api_keys
WHERE id = $1
