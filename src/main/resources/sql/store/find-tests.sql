SELECT id, identity_hash, variant
FROM tests
WHERE project_id = $1 AND identity_hash = ANY($2::bytea[])
