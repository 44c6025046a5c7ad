SELECT id, username, role, created_at, password_hash
FROM users
WHERE lower(username) = lower($1)
