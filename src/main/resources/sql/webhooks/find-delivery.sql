SELECT id, webhook_id, run_id, event, status, attempts, next_attempt_at, last_attempt_at, response_code, error,
       created_at, delivered_at
FROM webhook_deliveries
WHERE id = $1
