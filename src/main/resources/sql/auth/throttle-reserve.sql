-- $1 throttle key, $2 window (ms), $3 attempts allowed in a window.
-- Reserves one login attempt for the key before its password is hashed. One statement, so that concurrent logins
-- (on any node) take turns on the row and never see the same count. Allowed: the attempt is counted and the row
-- comes back with its window_start (to settle the attempt later). Refused, nothing changes and no row comes back:
-- the key is blocked, or every attempt of its window is taken (failed, or still being checked). A new window
-- starts when the old one has passed. So `failures` counts failed logins plus attempts still being checked.
INSERT INTO login_throttle AS t (throttle_key, failures, window_start, blocked_until)
VALUES ($1, 1, now(), NULL)
ON CONFLICT (throttle_key) DO UPDATE SET
  failures = CASE WHEN t.window_start < now() - $2::bigint * interval '1 millisecond' THEN 1
                  ELSE t.failures + 1 END,
  window_start = CASE WHEN t.window_start < now() - $2::bigint * interval '1 millisecond' THEN now()
                      ELSE t.window_start END,
  blocked_until = NULL
WHERE (t.blocked_until IS NULL OR t.blocked_until <= now())
  AND (t.window_start < now() - $2::bigint * interval '1 millisecond' OR t.failures < $3::integer)
RETURNING window_start
