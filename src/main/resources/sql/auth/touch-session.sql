UPDATE sessions
SET last_seen_at = now()
WHERE token_hash = $1
  AND last_seen_at < now() - $2::bigint * interval '1 millisecond'
