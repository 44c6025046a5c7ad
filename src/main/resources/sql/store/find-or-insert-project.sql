-- The project of a run by name, made on first use. No row lock on an existing project (an upsert's DO UPDATE would
-- hold one until commit and queue every run of the project behind the one before). A project made concurrently by
-- another transaction makes the INSERT wait for it and return nothing: the caller runs this again and finds it.
WITH found AS (
  SELECT id, description FROM projects WHERE name = $1
), made AS (
  INSERT INTO projects (name, description)
  SELECT $1, $2
  WHERE NOT EXISTS (SELECT 1 FROM found)
  ON CONFLICT (name) DO NOTHING
  RETURNING id, description
)
SELECT id, description FROM found
UNION ALL
SELECT id, description FROM made
