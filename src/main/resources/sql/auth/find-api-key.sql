SELECT k.id AS key_id, u.id AS user_id, u.username, u.role
FROM api_keys k
JOIN users u ON u.id = k.user_id
WHERE k.key_hash = $1
  AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > now())
