-- Ended runs last active within $1 ms whose deliveries nobody decided (their run-finished message reached no node),
-- in projects with a webhook enabled when the run ended (as in mark-run.sql).
SELECT r.id
FROM runs r
WHERE r.status <> 'running'
  AND r.last_activity_at > now() - make_interval(secs => $1::double precision / 1000)
  AND NOT EXISTS (SELECT 1 FROM webhook_runs m WHERE m.run_id = r.id)
  AND EXISTS (SELECT 1 FROM webhooks w
              WHERE w.project_id = r.project_id AND w.enabled
                AND w.active_since <= GREATEST(r.end_time, r.last_activity_at))
ORDER BY r.last_activity_at
LIMIT $2
