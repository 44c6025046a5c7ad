-- $1 throttle key, $2 window_start returned by its reservation, $3 attempts allowed in a window, $4 block (ms).
-- A reserved attempt ended as a failed login: it stays counted, and once the window's attempts are all taken the
-- key is blocked (an attempt still being checked that turns out right lifts the block again: throttle-refund).
UPDATE login_throttle
SET blocked_until = now() + $4::bigint * interval '1 millisecond'
WHERE throttle_key = $1
  AND window_start = $2
  AND failures >= $3::integer
  AND (blocked_until IS NULL OR blocked_until <= now())
