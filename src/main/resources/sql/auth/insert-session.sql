-- $1 token hash, $2 user id, $3 absolute lifetime (ms)
INSERT INTO sessions (token_hash, user_id, expires_at)
VALUES ($1, $2, now() + $3::bigint * interval '1 millisecond')
