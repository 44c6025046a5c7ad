-- Moves up to $1 queued fingerprinted attempts into the failure rollup (failure_rollup_move, V15__failure_days.sql);
-- answers how many it moved (0 while another node holds the rollup's lock).
SELECT failure_rollup_move($1) AS moved
