-- One delivery per webhook of the run's project enabled when the run ended (as in mark-run.sql) and per subscribed
-- event that the ending matches; $2 is the run's number of new failures. The unique key (webhook, run, event) makes a
-- repeat a no-op.
INSERT INTO webhook_deliveries (webhook_id, run_id, event, status, next_attempt_at)
SELECT w.id, r.id, e.event, 'pending', now()
FROM runs r
JOIN webhooks w ON w.project_id = r.project_id AND w.enabled
  AND w.active_since <= GREATEST(r.end_time, r.last_activity_at)
CROSS JOIN LATERAL unnest(w.events) AS e (event)
WHERE r.id = $1
  AND (e.event = 'run.finished'
    OR (e.event = 'run.failed' AND r.status IN ('failed', 'timedout'))
    OR (e.event = 'run.interrupted' AND r.status = 'interrupted')
    OR (e.event = 'run.new-failures' AND $2 > 0))
ON CONFLICT (webhook_id, run_id, event) DO NOTHING
RETURNING id
