-- A project made without a description takes the first one a run brings (locks the project row only then).
UPDATE projects
SET description = $2
WHERE id = $1 AND description IS NULL
