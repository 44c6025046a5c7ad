-- The results of tests $1 in runs $2 (a failure context's window and its run), one probe of the results
-- primary key per (run, test).
SELECT test_id, run_id, status, outcome
FROM results
WHERE run_id = ANY($2::bigint[]) AND test_id = ANY($1::bigint[])
