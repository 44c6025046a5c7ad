UPDATE runs
SET test_p50_ms = d.p50, test_p90_ms = d.p90
FROM (
  SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
         percentile_disc(0.9) WITHIN GROUP (ORDER BY duration_ms) AS p90
  FROM results
  WHERE run_id = $1 AND status <> 'skipped'
) d
WHERE runs.id = $1
