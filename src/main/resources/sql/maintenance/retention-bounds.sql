-- The run limits of every project that has one, read once per retention pass: runs_days (0: none) and kept_from,
-- the id of the project's keep_runs-th newest run (runs with a smaller id are not among the newest; null when the
-- project has no more runs than that, or no keep_runs). $1, $2: the configured runs_days and keep_runs; a
-- project's own value, when set, wins; 0 is no limit.
-- The range `project_id BETWEEN x AND x` with ORDER BY (project_id, id DESC) is deliberate: it makes the one
-- plan that fits the order a walk of runs_project_idx from the project's newest run, reading keep_runs entries.
-- With `project_id = x` the planner may walk the primary key backwards instead, through every project's runs.
WITH policy AS MATERIALIZED (
  SELECT p.id AS project_id, COALESCE(pr.runs_days, $1::int) AS runs_days,
         COALESCE(pr.keep_runs, $2::int) AS keep_runs
  FROM projects p
  LEFT JOIN project_retention pr ON pr.project_id = p.id
  WHERE COALESCE(pr.runs_days, $1::int) > 0 OR COALESCE(pr.keep_runs, $2::int) > 0
)
SELECT pol.project_id, pol.runs_days,
       CASE WHEN pol.keep_runs > 0 THEN (
         SELECT r.id FROM runs r
         WHERE r.project_id BETWEEN pol.project_id AND pol.project_id
         ORDER BY r.project_id, r.id DESC
         OFFSET pol.keep_runs - 1 LIMIT 1) END AS kept_from
FROM policy pol
ORDER BY pol.project_id
