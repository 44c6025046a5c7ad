-- At most $8 webhooks per project: nothing is inserted when the project already has that many.
INSERT INTO webhooks (project_id, name, url, events, format, secret, enabled, dashboard_url)
SELECT $1::bigint, $2::text, $3::text, $4::text[], $5::text, $6::text, $7::boolean, $9::text
WHERE (SELECT count(*) FROM webhooks WHERE project_id = $1::bigint) < $8::integer
RETURNING id, project_id, name, url, events, format, secret, enabled, dashboard_url, created_at, updated_at
