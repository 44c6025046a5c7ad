-- $1 token hash, $2 idle timeout (ms), $3 refresh interval (ms). A session ends at its absolute expiry or after
-- the idle timeout since it was last seen; `stale` says whether last_seen_at is due for a refresh.
SELECT u.id AS user_id, u.username, u.role,
       s.last_seen_at < now() - $3::bigint * interval '1 millisecond' AS stale
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1
  AND s.expires_at > now()
  AND s.last_seen_at > now() - $2::bigint * interval '1 millisecond'
