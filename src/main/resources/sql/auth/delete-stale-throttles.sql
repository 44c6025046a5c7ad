-- $1 window (ms)
DELETE FROM login_throttle
WHERE window_start < now() - $1::bigint * interval '1 millisecond'
  AND (blocked_until IS NULL OR blocked_until < now())
