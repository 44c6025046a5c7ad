-- $1 throttle key, $2 window_start returned by its reservation, $3 attempts allowed in a window.
-- Gives back a reserved attempt that did not end as a failed login (the password was right, or it was never
-- hashed), if the key is still in that window, and lifts the block once the count is below the limit again (a
-- block in the current window only comes from its count reaching the limit).
UPDATE login_throttle
SET failures = failures - 1,
    blocked_until = CASE WHEN failures - 1 < $3::integer THEN NULL ELSE blocked_until END
WHERE throttle_key = $1
  AND window_start = $2
  AND failures > 0
