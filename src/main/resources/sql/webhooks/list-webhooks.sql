SELECT id, project_id, name, url, events, format, secret, enabled, dashboard_url, created_at, updated_at
FROM webhooks
WHERE project_id = $1
ORDER BY id
