-- $1 idle timeout (ms)
DELETE FROM sessions
WHERE expires_at < now()
   OR last_seen_at < now() - $1::bigint * interval '1 millisecond'
