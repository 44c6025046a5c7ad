SELECT id, webhook_id, run_id, event, status, attempts, next_attempt_at, last_attempt_at, response_code, error,
       created_at, delivered_at
FROM webhook_deliveries
WHERE webhook_id = $1 AND ($2::bigint IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3
