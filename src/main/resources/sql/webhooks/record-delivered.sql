-- Only while the attempt still holds its claim ($2 = the attempt number it claimed).
UPDATE webhook_deliveries
SET status = 'delivered', response_code = $3, error = NULL, next_attempt_at = NULL, delivered_at = now()
WHERE id = $1 AND status = 'sending' AND attempts = $2
