-- Finding runs: the text the runs feed's `q` searches, lower-cased once at write time (branch, commit, commit
-- message, CI build, job, workflow and pull request), so that a search reads one short column per run instead of
-- each run's metadata. Adding it rewrites `runs` once (runs are few next to results).
ALTER TABLE runs ADD COLUMN search_text text GENERATED ALWAYS AS (lower(
  coalesce(metadata #>> '{scm,branch}', '') || ' ' || coalesce(metadata #>> '{scm,commit}', '') || ' '
  || coalesce(metadata #>> '{ci,buildId}', '') || ' ' || coalesce(metadata #>> '{ci,buildNumber}', '') || ' '
  || coalesce(metadata #>> '{ci,job}', '') || ' ' || coalesce(metadata #>> '{ci,workflow}', '') || ' '
  || coalesce(metadata #>> '{ci,pullRequest}', '') || ' ' || left(coalesce(metadata #>> '{scm,message}', ''), 500)
)) STORED;

-- The runs feed filtered by branch prefix across projects: a range of branches (text_pattern_ops compares
-- bytes, so a prefix is a range whatever the database's collation).
CREATE INDEX runs_branch_pattern_idx ON runs (branch text_pattern_ops, id DESC);
CREATE INDEX runs_project_branch_pattern_idx ON runs (project_id, branch text_pattern_ops, id DESC);
