SELECT id, username, role, created_at
FROM users
WHERE id = $1
