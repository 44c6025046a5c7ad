SELECT id, username, role, created_at
FROM users
ORDER BY id
