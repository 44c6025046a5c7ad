INSERT INTO projects (name, description)
VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET description = COALESCE(projects.description, EXCLUDED.description)
RETURNING id
