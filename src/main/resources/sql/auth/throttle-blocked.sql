-- $1 throttle keys. The latest block still in force, if any.
SELECT max(blocked_until) AS blocked_until
FROM login_throttle
WHERE throttle_key = ANY($1)
  AND blocked_until > now()
