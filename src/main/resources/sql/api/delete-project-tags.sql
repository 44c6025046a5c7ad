DELETE FROM project_tags WHERE project_id = $1
