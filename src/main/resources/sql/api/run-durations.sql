-- The durations of the final attempts of runs $1 that were not skipped, by test id (the results primary key's
-- order), with each run's stored attempt count read in the same snapshot. The pairs come packed: 16 bytes each,
-- the test id then the duration, both big-endian int8 (a run of 5,000 tests is one 80 kB value, not 10,000 boxed
-- numbers); null for a run without such results. A run that is gone has no row.
SELECT ru.id, ru.attempts, d.packed
FROM runs ru
CROSS JOIN LATERAL (
  SELECT string_agg(int8send(r.test_id) || int8send(r.duration_ms), ''::bytea ORDER BY r.test_id) AS packed
  FROM results r
  WHERE r.run_id = ru.id AND r.status <> 'skipped'
) d
WHERE ru.id = ANY($1::bigint[])
