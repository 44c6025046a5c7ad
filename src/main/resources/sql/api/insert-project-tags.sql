INSERT INTO project_tags (project_id, tag) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING
