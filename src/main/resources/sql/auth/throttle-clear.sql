DELETE FROM login_throttle
WHERE throttle_key = $1
