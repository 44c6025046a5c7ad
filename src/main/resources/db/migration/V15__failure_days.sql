-- A project's failure groups over a window of days (api/project-failure-groups.sql) read a rollup instead of every
-- fingerprinted attempt of the window: at 1 M results that was ~48,000 attempts and ~100 ms; the rollup holds one
-- row per fingerprint and day (~900 rows for 30 days of 30 causes) plus one per fingerprint, day and test.
--
-- failure_days: per project, UTC day of the run's start and fingerprint: the runs and attempts it failed, the first
-- and last run start, the latest run and its signature. Runs add up over days (a run has one start day);
-- tests do not (a test failing on two days is one test), so failure_day_tests keeps the set per day and a read
-- counts the distinct tests of its window. Fingerprints are hex digits: byte order ("C") sorts them as well as a
-- language's collation would, and cheaper.
--
-- Ingest never writes a row that another run could write too (that would make concurrent runs of a project wait
-- for each other's commits): a trigger on attempts queues each fingerprinted attempt in failure_pending, a plain
-- insert, and a job (failure_rollup_move below, every second on some node) moves the queue into the rollup.
-- A read adds what is still queued, so it sees a failure as soon as its batch commits. The rollup is written only
-- by failure_rollup_move under failure_rollup_lock's row: one writer at a time. Deleting runs queues their days'
-- remaining failures again (below). No foreign keys: projects are never deleted.
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
  day         date   NOT NULL,
  fingerprint text   COLLATE "C" NOT NULL,
  test_id     bigint NOT NULL,
  PRIMARY KEY (project_id, day, fingerprint, test_id)
);

-- Fingerprinted attempts not yet in the rollup. Short-lived (the job empties it every second): no index but the key.
CREATE TABLE failure_pending (
  attempt_id  bigint      PRIMARY KEY,
  run_id      bigint      NOT NULL,
  project_id  bigint      NOT NULL,
  day         date        NOT NULL,
  fingerprint text        COLLATE "C" NOT NULL,
  test_id     bigint      NOT NULL,
  start_time  timestamptz NOT NULL,
  signature   text
);

CREATE TABLE failure_rollup_lock (
  id integer PRIMARY KEY CHECK (id = 1)
);
INSERT INTO failure_rollup_lock VALUES (1);

CREATE FUNCTION failure_pending_of_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO failure_pending (attempt_id, run_id, project_id, day, fingerprint, test_id, start_time, signature)
  SELECT NEW.id, NEW.run_id, r.project_id, (r.start_time AT TIME ZONE 'UTC')::date, NEW.fingerprint, NEW.test_id,
         r.start_time, NEW.error_signature
  FROM runs r
  WHERE r.id = NEW.run_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER attempts_failure_pending AFTER INSERT ON attempts
  FOR EACH ROW WHEN (NEW.fingerprint IS NOT NULL) EXECUTE FUNCTION failure_pending_of_attempt();

-- Moves up to `batch` queued attempts (the oldest first) into the rollup, in one statement, and answers how many:
-- taken off the queue, added to their day rows (a run counts once per fingerprint and day: for its attempt of the
-- fingerprint with the lowest id, whichever move takes it) and to their days' test sets. Only under
-- failure_rollup_lock's row, SKIP LOCKED: while someone else holds it, it moves nothing. The only writer of the rollup.
CREATE FUNCTION failure_rollup_move(batch integer) RETURNS integer LANGUAGE sql AS $$
  WITH lock AS MATERIALIZED (
    SELECT id FROM failure_rollup_lock WHERE id = 1 FOR UPDATE SKIP LOCKED
  ), moved AS MATERIALIZED (
    DELETE FROM failure_pending p
    WHERE p.attempt_id IN (SELECT q.attempt_id FROM failure_pending q WHERE EXISTS (SELECT 1 FROM lock)
                           ORDER BY q.attempt_id LIMIT batch)
    RETURNING p.attempt_id, p.run_id, p.project_id, p.day, p.fingerprint, p.test_id, p.start_time, p.signature
  ), counted AS MATERIALIZED (
    SELECT m.*, CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = m.run_id
                                  AND a.fingerprint = m.fingerprint COLLATE "default" AND a.id < m.attempt_id)
                THEN 0 ELSE 1 END AS first
    FROM moved m
  ), day_rows AS (
    INSERT INTO failure_days AS d (project_id, day, fingerprint, runs, attempts, first_seen, last_seen, last_run_id,
                                   signature)
    SELECT project_id, day, fingerprint, sum(first), count(*), min(start_time), max(start_time),
           (array_agg(run_id ORDER BY start_time DESC, run_id DESC))[1],
           (array_agg(signature ORDER BY start_time DESC, run_id DESC))[1]
    FROM counted
    GROUP BY project_id, day, fingerprint
    ON CONFLICT (project_id, day, fingerprint) DO UPDATE
    SET runs = d.runs + excluded.runs,
        attempts = d.attempts + excluded.attempts,
        first_seen = least(d.first_seen, excluded.first_seen),
        last_run_id = CASE WHEN (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
                           THEN excluded.last_run_id ELSE d.last_run_id END,
        signature = CASE WHEN (excluded.last_seen, excluded.last_run_id) > (d.last_seen, d.last_run_id)
                         THEN excluded.signature ELSE d.signature END,
        last_seen = greatest(d.last_seen, excluded.last_seen)
  ), day_tests AS (
    INSERT INTO failure_day_tests (project_id, day, fingerprint, test_id)
    SELECT DISTINCT project_id, day, fingerprint, test_id
    FROM counted
    ON CONFLICT DO NOTHING
  )
  SELECT count(*)::int FROM moved
$$;

-- The given (project, day) pairs' rollup rows are dropped and their stored failures queued again, so that the next
-- moves count those days anew (after runs are deleted; here, once, for the failures stored before this migration).
-- The caller holds failure_rollup_lock's row, so nothing is moved meanwhile; reads count the queue, so they stay
-- exact throughout.
CREATE FUNCTION failure_days_requeue(projects bigint[], days date[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM failure_days d
  USING unnest(projects, days) AS t(project_id, day)
  WHERE d.project_id = t.project_id AND d.day = t.day;
  DELETE FROM failure_day_tests d
  USING unnest(projects, days) AS t(project_id, day)
  WHERE d.project_id = t.project_id AND d.day = t.day;
  INSERT INTO failure_pending (attempt_id, run_id, project_id, day, fingerprint, test_id, start_time, signature)
  SELECT a.id, r.id, t.project_id, t.day, a.fingerprint, a.test_id, r.start_time, a.error_signature
  FROM unnest(projects, days) AS t(project_id, day)
  JOIN runs r ON r.project_id = t.project_id AND r.start_time >= t.day::timestamp AT TIME ZONE 'UTC'
             AND r.start_time < (t.day + 1)::timestamp AT TIME ZONE 'UTC'
  JOIN attempts a ON a.run_id = r.id AND a.fingerprint IS NOT NULL
  ON CONFLICT (attempt_id) DO NOTHING;
END
$$;

-- Deleted runs: their queued attempts leave the queue, and their days are counted again.
CREATE FUNCTION failure_days_of_runs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  projects bigint[];
  days date[];
BEGIN
  SELECT array_agg(project_id ORDER BY project_id, day), array_agg(day ORDER BY project_id, day)
  INTO projects, days
  FROM (SELECT DISTINCT project_id, (start_time AT TIME ZONE 'UTC')::date AS day FROM gone) g;
  IF projects IS NOT NULL THEN
    PERFORM 1 FROM failure_rollup_lock WHERE id = 1 FOR UPDATE;
    DELETE FROM failure_pending p USING gone g WHERE p.run_id = g.id;
    PERFORM failure_days_requeue(projects, days);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER runs_delete_failure_days AFTER DELETE ON runs
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION failure_days_of_runs();

-- The failures stored before this migration: queued, then moved.
SELECT failure_days_requeue(coalesce(array_agg(project_id), '{}'), coalesce(array_agg(day), '{}'))
FROM (SELECT DISTINCT r.project_id, (r.start_time AT TIME ZONE 'UTC')::date AS day
      FROM runs r
      WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = r.id AND a.fingerprint IS NOT NULL)) d;
DO $$
BEGIN
  WHILE failure_rollup_move(10000) = 10000 LOOP
  END LOOP;
END
$$;
