-- Renames or describes project $1: null leaves a field as it is ($4 true clears the description).
UPDATE projects
SET name = coalesce($2, name),
    description = CASE WHEN $4 THEN NULL ELSE coalesce($3, description) END
WHERE id = $1
RETURNING id
