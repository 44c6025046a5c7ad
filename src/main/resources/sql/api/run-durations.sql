-- The durations of the final attempts of runs $1 that were not skipped, by test id (the results primary key's
-- order), with each run's stored attempt count read in the same snapshot. A run without such results has empty
-- arrays; a run that is gone has no row.
SELECT ru.id, ru.attempts,
       coalesce(d.test_ids, '{}') AS test_ids, coalesce(d.durations, '{}') AS durations
FROM runs ru
CROSS JOIN LATERAL (
  SELECT array_agg(r.test_id ORDER BY r.test_id) AS test_ids, array_agg(r.duration_ms ORDER BY r.test_id) AS durations
  FROM results r
  WHERE r.run_id = ru.id AND r.status <> 'skipped'
) d
WHERE ru.id = ANY($1::bigint[])
