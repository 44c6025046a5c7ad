-- Artifact ids are taken before the rows are written, so that each file's storage path can contain its id.
SELECT nextval(pg_get_serial_sequence('artifacts', 'id')) AS id
FROM generate_series(1, $1::int)
