SELECT id, project_id, name, url, events, format, secret, enabled, dashboard_url, created_at, updated_at
FROM webhooks
WHERE id = $1 AND project_id = $2
