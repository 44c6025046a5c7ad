DELETE FROM webhooks
WHERE id = $1 AND project_id = $2
