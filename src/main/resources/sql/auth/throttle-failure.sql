-- $1 throttle key, $2 window (ms), $3 failures allowed in a window, $4 block (ms).
-- Counts a failed login in the key's current window (a new window starts when the old one has passed) and
-- blocks the key once the count reaches the limit. One statement, so concurrent failures all count.
INSERT INTO login_throttle AS t (throttle_key, failures, window_start, blocked_until)
VALUES ($1, 1, now(), CASE WHEN $3::integer <= 1 THEN now() + $4::bigint * interval '1 millisecond' END)
ON CONFLICT (throttle_key) DO UPDATE SET
  failures = CASE WHEN t.window_start < now() - $2::bigint * interval '1 millisecond' THEN 1
                  ELSE t.failures + 1 END,
  window_start = CASE WHEN t.window_start < now() - $2::bigint * interval '1 millisecond' THEN now()
                      ELSE t.window_start END,
  blocked_until = CASE
    WHEN (CASE WHEN t.window_start < now() - $2::bigint * interval '1 millisecond' THEN 1
               ELSE t.failures + 1 END) >= $3::integer
      THEN now() + $4::bigint * interval '1 millisecond'
    ELSE t.blocked_until END
