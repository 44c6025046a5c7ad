-- A test delivery, claimed by the caller from the start (its lease as for claimed deliveries).
WITH d AS (
  INSERT INTO webhook_deliveries (webhook_id, event, status, attempts, last_attempt_at, next_attempt_at)
  VALUES ($1, 'webhook.test', 'sending', 1, now(), now() + make_interval(secs => $2::double precision / 1000))
  RETURNING id, webhook_id, run_id, event, attempts
)
SELECT d.id, d.webhook_id, d.run_id, d.event, d.attempts, w.project_id, w.url, w.format, w.secret, w.enabled,
       w.dashboard_url
FROM d
JOIN webhooks w ON w.id = d.webhook_id
