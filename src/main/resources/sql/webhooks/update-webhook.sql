-- A null parameter keeps the column ($3 says whether to set the name, which may be set to null). Enabling a
-- disabled webhook restarts active_since (the right-hand sides see the row before the update).
UPDATE webhooks
SET name = CASE WHEN $3 THEN $4 ELSE name END,
    url = coalesce($5, url),
    events = coalesce($6, events),
    format = coalesce($7, format),
    secret = coalesce($8, secret),
    active_since = CASE WHEN $9 AND NOT enabled THEN now() ELSE active_since END,
    enabled = coalesce($9, enabled),
    dashboard_url = coalesce($10, dashboard_url),
    updated_at = now()
WHERE id = $1 AND project_id = $2
RETURNING id, project_id, name, url, events, format, secret, enabled, dashboard_url, created_at, updated_at
