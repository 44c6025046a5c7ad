-- Run after lock-setup in the same transaction, so that its snapshot sees any setup committed before.
INSERT INTO users (username, password_hash, role)
SELECT $1, $2, 'administrator'
WHERE NOT EXISTS (SELECT 1 FROM users)
RETURNING id, username, role, created_at
