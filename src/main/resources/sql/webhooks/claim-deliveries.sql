-- Claims due deliveries for one node: SKIP LOCKED makes concurrent claims take different rows, and the claim is a
-- lease (next_attempt_at) after which another node may take a delivery whose sender died.
UPDATE webhook_deliveries d
SET status = 'sending', attempts = d.attempts + 1, last_attempt_at = now(),
    next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
FROM webhooks w
WHERE d.id IN (
  SELECT id
  FROM webhook_deliveries
  WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
  ORDER BY next_attempt_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
) AND w.id = d.webhook_id
RETURNING d.id, d.webhook_id, d.run_id, d.event, d.attempts, w.project_id, w.url, w.format, w.secret, w.enabled,
          w.dashboard_url
