-- A failed attempt: retry after $6 ms, unless it is final ($5) or that would be later than $7 ms after the
-- delivery was created; then the delivery has failed. Only while the attempt still holds its claim.
UPDATE webhook_deliveries
SET response_code = $3, error = $4,
    status = CASE
      WHEN $5 OR now() + make_interval(secs => $6::double precision / 1000)
                 > created_at + make_interval(secs => $7::double precision / 1000) THEN 'failed'
      ELSE 'pending' END,
    next_attempt_at = CASE
      WHEN $5 OR now() + make_interval(secs => $6::double precision / 1000)
                 > created_at + make_interval(secs => $7::double precision / 1000) THEN NULL
      ELSE now() + make_interval(secs => $6::double precision / 1000) END
WHERE id = $1 AND status = 'sending' AND attempts = $2
