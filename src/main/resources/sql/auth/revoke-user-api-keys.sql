UPDATE api_keys
SET revoked_at = now()
WHERE user_id = $1
  AND revoked_at IS NULL
