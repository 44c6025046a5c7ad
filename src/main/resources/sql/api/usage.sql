-- Storage use per project, for administrators: runs (pinned among them), results and attempts, files and their
-- recorded bytes, the oldest run's start, and the project's retention overrides. Results and attempts are summed
-- from the runs' server-computed counters (total = the run's results, attempts = its stored attempts), so neither
-- the results nor the attempts table is read: one pass over runs, one over artifacts.
SELECT p.id, p.name,
       COALESCE(r.runs, 0) AS runs, COALESCE(r.pinned_runs, 0) AS pinned_runs,
       COALESCE(r.results, 0) AS results, COALESCE(r.attempts, 0) AS attempts, r.oldest_start,
       COALESCE(f.files, 0) AS files, COALESCE(f.bytes, 0) AS bytes,
       pr.runs_days, pr.keep_runs, pr.files_days
FROM projects p
LEFT JOIN (
  SELECT project_id, count(*)::bigint AS runs, (count(*) FILTER (WHERE pinned))::bigint AS pinned_runs,
         sum(total)::bigint AS results, sum(attempts)::bigint AS attempts, min(start_time) AS oldest_start
  FROM runs
  GROUP BY project_id
) r ON r.project_id = p.id
LEFT JOIN (
  SELECT ru.project_id, count(*)::bigint AS files, sum(a.size_bytes)::bigint AS bytes
  FROM artifacts a
  JOIN runs ru ON ru.id = a.run_id
  GROUP BY ru.project_id
) f ON f.project_id = p.id
LEFT JOIN project_retention pr ON pr.project_id = p.id
ORDER BY p.name
