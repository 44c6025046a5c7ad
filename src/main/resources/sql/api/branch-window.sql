-- The last $4 finished runs of project $1 on branch $2 (null: the runs without a branch) before run $3, newest
-- first. Two arms, so that each is one range of runs_project_branch_idx (a generic plan cannot turn
-- `branch IS NOT DISTINCT FROM $2` into one); the arm that does not apply stops at its one-time filter.
(SELECT id, start_time FROM runs
 WHERE project_id = $1 AND branch = $2 AND id < $3 AND status <> 'running'
 ORDER BY id DESC
 LIMIT $4)
UNION ALL
(SELECT id, start_time FROM runs
 WHERE $2::text IS NULL AND project_id = $1 AND branch IS NULL AND id < $3 AND status <> 'running'
 ORDER BY id DESC
 LIMIT $4)
ORDER BY id DESC
