-- A project's failure groups over a window of days (api/project-failure-groups.sql) read a rollup instead of every
-- fingerprinted attempt of the window: at 1 M results that was ~48,000 attempts and ~140 ms; the rollup holds one
-- row per fingerprint and day (~900 rows for 30 days of 30 causes) plus one per fingerprint, day and test.
--
-- failure_days: per project, UTC day of the run's start and fingerprint: the runs and attempts it failed, the first
-- and last run start, the latest run and its signature. Runs add up over days (a run has one start day);
-- tests do not (a test failing on two days is one test), so failure_day_tests keeps the set per day and a read
-- counts the distinct tests of its window. Fingerprints are hex digits: byte order ("C") sorts them as well as a
-- language's collation would, and cheaper.
--
-- Both are written by a trigger on attempts, in the transaction that stores the attempt, so a read sees what the
-- attempts say as soon as they commit; deleting runs (an administrator's delete, the retention purge) recomputes
-- the days of the deleted runs from the attempts that remain. No foreign keys: projects are never deleted, and a
-- key check would lock the project's row in every failing batch.
CREATE TABLE failure_days (
  project_id  bigint      NOT NULL,
  day         date        NOT NULL,
  fingerprint text        COLLATE "C" NOT NULL,
  runs        integer     NOT NULL CHECK (runs >= 0),
  attempts    integer     NOT NULL CHECK (attempts > 0),
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  last_run_id bigint      NOT NULL,
  signature   text,
  PRIMARY KEY (project_id, day, fingerprint)
);

CREATE TABLE failure_day_tests (
  project_id  bigint NOT NULL,
  fingerprint text   COLLATE "C" NOT NULL,
  day         date   NOT NULL,
  test_id     bigint NOT NULL,
  PRIMARY KEY (project_id, day, fingerprint, test_id)
);

-- One fingerprinted attempt: its run's day row counts it (and counts the run once: for the run's first attempt of
-- the fingerprint, the lowest id; every row trigger of a statement sees all the statement's rows), and its test
-- joins the day's set. Lock order: write-batch.sql inserts a batch's attempts ordered by fingerprint, so two
-- batches of one project take the day rows in the same order; a failure_day_tests key is only written under its
-- failure_days row's lock, so it never waits.
CREATE FUNCTION failure_days_of_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  run_project bigint;
  run_start   timestamptz;
  run_day     date;
  first_of_run integer;
BEGIN
  SELECT project_id, start_time INTO run_project, run_start FROM runs WHERE id = NEW.run_id;
  run_day := (run_start AT TIME ZONE 'UTC')::date;
  first_of_run := CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = NEW.run_id
                                    AND a.fingerprint = NEW.fingerprint AND a.id < NEW.id) THEN 0 ELSE 1 END;
  INSERT INTO failure_days AS d (project_id, day, fingerprint, runs, attempts, first_seen, last_seen, last_run_id,
                                 signature)
  VALUES (run_project, run_day, NEW.fingerprint, first_of_run, 1, run_start, run_start, NEW.run_id,
          NEW.error_signature)
  ON CONFLICT (project_id, day, fingerprint) DO UPDATE
  SET runs = d.runs + excluded.runs,
      attempts = d.attempts + 1,
      first_seen = least(d.first_seen, excluded.first_seen),
      last_run_id = CASE WHEN (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
                         THEN excluded.last_run_id ELSE d.last_run_id END,
      signature = CASE WHEN (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
                       THEN excluded.signature ELSE d.signature END,
      last_seen = greatest(d.last_seen, excluded.last_seen);
  INSERT INTO failure_day_tests (project_id, day, fingerprint, test_id)
  VALUES (run_project, run_day, NEW.fingerprint, NEW.test_id)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER attempts_failure_days AFTER INSERT ON attempts
  FOR EACH ROW WHEN (NEW.fingerprint IS NOT NULL) EXECUTE FUNCTION failure_days_of_attempt();

-- The rollup of the given (project, day) pairs made again from the attempts of the runs that exist: after runs are
-- deleted, and once here for the attempts stored before this migration.
CREATE FUNCTION failure_days_recompute(projects bigint[], days date[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM failure_days d
  USING unnest(projects, days) AS t(project_id, day)
  WHERE d.project_id = t.project_id AND d.day = t.day;
  DELETE FROM failure_day_tests d
  USING unnest(projects, days) AS t(project_id, day)
  WHERE d.project_id = t.project_id AND d.day = t.day;
  WITH failing AS MATERIALIZED (
    SELECT t.project_id, t.day, a.fingerprint, r.id AS run_id, r.start_time, a.test_id, a.error_signature
    FROM unnest(projects, days) AS t(project_id, day)
    JOIN runs r ON r.project_id = t.project_id AND r.start_time >= t.day::timestamp AT TIME ZONE 'UTC'
               AND r.start_time < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
    JOIN attempts a ON a.run_id = r.id AND a.fingerprint IS NOT NULL
  ), day_rows AS (
    INSERT INTO failure_days (project_id, day, fingerprint, runs, attempts, first_seen, last_seen, last_run_id,
                              signature)
    SELECT project_id, day, fingerprint, count(DISTINCT run_id), count(*), min(start_time), max(start_time),
           (array_agg(run_id ORDER BY start_time DESC, run_id DESC))[1],
           (array_agg(error_signature ORDER BY start_time DESC, run_id DESC))[1]
    FROM failing
    GROUP BY project_id, day, fingerprint
  )
  INSERT INTO failure_day_tests (project_id, day, fingerprint, test_id)
  SELECT DISTINCT project_id, day, fingerprint, test_id
  FROM failing;
END
$$;

CREATE FUNCTION failure_days_of_runs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  projects bigint[];
  days date[];
BEGIN
  SELECT array_agg(project_id ORDER BY project_id, day), array_agg(day ORDER BY project_id, day)
  INTO projects, days
  FROM (SELECT DISTINCT project_id, (start_time AT TIME ZONE 'UTC')::date AS day FROM gone) g;
  IF projects IS NOT NULL THEN
    PERFORM failure_days_recompute(projects, days);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER runs_delete_failure_days AFTER DELETE ON runs
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION failure_days_of_runs();

SELECT failure_days_recompute(coalesce(array_agg(project_id), '{}'), coalesce(array_agg(day), '{}'))
FROM (SELECT DISTINCT r.project_id, (r.start_time AT TIME ZONE 'UTC')::date AS day
      FROM runs r
      WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = r.id AND a.fingerprint IS NOT NULL)) d;
