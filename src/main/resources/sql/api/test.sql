-- One test's identity and its project.
SELECT t.id, t.project_id, p.name AS project_name, t.file, t.title_path, t.playwright_project, t.variant, t.title
FROM tests t
JOIN projects p ON p.id = t.project_id
WHERE t.id = $1
