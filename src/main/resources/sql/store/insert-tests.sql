-- Sorted by identity so that two runs of a project creating the same new tests take their locks in one order
-- (no deadlock between them).
INSERT INTO tests (project_id, identity_hash, variant, file, title_path, playwright_project, title)
SELECT $1, t.identity_hash, t.variant, t.file, ARRAY(SELECT jsonb_array_elements_text(t.title_path::jsonb)),
       t.playwright_project, t.title
FROM unnest($2::bytea[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[])
  AS t(identity_hash, variant, file, title_path, playwright_project, title)
ORDER BY t.identity_hash, t.variant
ON CONFLICT (project_id, identity_hash, variant) DO NOTHING
