-- Locks every administrator row: concurrent demotions or deletions queue here, and each one counts what the
-- previous one left (rows that stopped matching are skipped after the wait).
SELECT id
FROM users
WHERE role = 'administrator'
FOR UPDATE
