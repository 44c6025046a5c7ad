UPDATE users
SET password_hash = $2, password_changed_at = now()
WHERE id = $1
