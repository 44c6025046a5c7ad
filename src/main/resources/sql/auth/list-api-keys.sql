SELECT id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at
FROM api_keys
WHERE user_id = $1
ORDER BY id
