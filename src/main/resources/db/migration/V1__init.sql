-- Runboard schema v1: projects, runs and their results, the per-run event log, files, accounts.
-- Identifiers are bigint identities; times are timestamptz (UTC on the wire); durations are milliseconds.

-- ---------------------------------------------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE users (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username            text        NOT NULL CHECK (char_length(username) BETWEEN 1 AND 100),
  password_hash       text        NOT NULL,
  role                text        NOT NULL CHECK (role IN ('viewer', 'reporter', 'administrator')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);
-- Usernames are unique regardless of case: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  -- The first characters of the key, shown in lists so that a user can tell keys apart; never enough to use it.
  prefix       text        NOT NULL,
  -- SHA-256 of the whole key: keys are long random secrets, so a fast hash is enough and lookups are by equality.
  key_hash     bytea       NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at   timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE sessions (
  -- SHA-256 of the cookie value; the cookie itself is never stored.
  token_hash   bytea PRIMARY KEY,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (expires_at);

-- Failed logins per key ("user:<name>" or "ip:<address>"), shared by every node of a cluster.
CREATE TABLE login_throttle (
  throttle_key  text PRIMARY KEY,
  failures      integer     NOT NULL DEFAULT 0,
  window_start  timestamptz NOT NULL DEFAULT now(),
  blocked_until timestamptz
);

-- ---------------------------------------------------------------------------------------------------------------
-- Projects and runs
-- ---------------------------------------------------------------------------------------------------------------

CREATE TABLE projects (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text        NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 100),
  description text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE project_tags (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  tag        text   NOT NULL CHECK (char_length(tag) BETWEEN 1 AND 50),
  PRIMARY KEY (project_id, tag)
);

CREATE TABLE runs (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id         bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  -- How the run arrived: streamed (start/events/finish) or one-shot (submit, upload).
  source             text        NOT NULL CHECK (source IN ('stream', 'submit', 'upload')),
  -- Client-made key that makes a retried `start` find its run instead of making a second one.
  run_key            text CHECK (char_length(run_key) BETWEEN 1 AND 100),
  status             text        NOT NULL CHECK (status IN ('running', 'passed', 'failed', 'timedout', 'interrupted')),
  start_time         timestamptz NOT NULL,
  end_time           timestamptz,
  duration_ms        bigint CHECK (duration_ms >= 0),
  expected_tests     integer CHECK (expected_tests >= 0),
  -- Counters, computed by the server from stored attempts in the same transaction that stores them.
  total              integer     NOT NULL DEFAULT 0,
  passed             integer     NOT NULL DEFAULT 0,
  failed             integer     NOT NULL DEFAULT 0,
  timed_out          integer     NOT NULL DEFAULT 0,
  skipped            integer     NOT NULL DEFAULT 0,
  interrupted        integer     NOT NULL DEFAULT 0,
  flaky              integer     NOT NULL DEFAULT 0,
  attempts           integer     NOT NULL DEFAULT 0,
  metadata           jsonb       NOT NULL DEFAULT '{}'::jsonb,
  -- Counts as the client reported them (one-shot reporters); kept for display, never used as counters.
  reported_counts    jsonb,
  branch             text GENERATED ALWAYS AS (metadata #>> '{scm,branch}') STORED,
  reporter_version   text,
  playwright_version text,
  -- p50/p90 of the run's test durations (final attempts, skipped ones left out), set when the run ends, for trends.
  test_p50_ms        bigint,
  test_p90_ms        bigint,
  -- SHA-256 of the current stream token; null once no token may be used (one-shot runs).
  stream_token_hash  bytea,
  -- Last per-run event sequence number handed out; the run row lock serialises writers of one run.
  last_seq           bigint      NOT NULL DEFAULT 0,
  last_activity_at   timestamptz NOT NULL DEFAULT now(),
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (status = 'running' OR end_time IS NOT NULL)
);
CREATE UNIQUE INDEX runs_run_key_key ON runs (project_id, run_key) WHERE run_key IS NOT NULL;
-- Run lists: newest first, per project and overall (the primary key serves the overall list).
CREATE INDEX runs_project_idx ON runs (project_id, id DESC);
CREATE INDEX runs_project_branch_idx ON runs (project_id, branch, id DESC);
CREATE INDEX runs_project_status_idx ON runs (project_id, status, id DESC);
CREATE INDEX runs_start_time_idx ON runs (start_time DESC);
-- The stuck-run sweeper scans only running runs.
CREATE INDEX runs_running_idx ON runs (last_activity_at) WHERE status = 'running';

CREATE TABLE run_tags (
  run_id bigint NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tag    text   NOT NULL CHECK (char_length(tag) BETWEEN 1 AND 100),
  PRIMARY KEY (run_id, tag)
);
CREATE INDEX run_tags_tag_idx ON run_tags (tag, run_id DESC);

-- ---------------------------------------------------------------------------------------------------------------
-- Tests, attempts and per-run results
-- ---------------------------------------------------------------------------------------------------------------

-- A test's stable identity inside a project: (file, title path, Playwright project). One-shot reporters that do
-- not name the Playwright project can send several tests with one identity in a run; the k-th of them is
-- variant k-1, so that each keeps its own history.
CREATE TABLE tests (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id         bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  file               text        NOT NULL,
  title_path         text[]      NOT NULL,
  playwright_project text        NOT NULL DEFAULT '',
  variant            integer     NOT NULL DEFAULT 0 CHECK (variant >= 0),
  title              text        NOT NULL,
  -- SHA-256 of (file, title path, Playwright project): title paths can be longer than a B-tree entry allows.
  identity_hash      bytea       NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, identity_hash, variant)
);
CREATE INDEX tests_project_file_idx ON tests (project_id, file);

-- One attempt per (run, test, retry). The unique key makes a resent batch a no-op (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE attempts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          bigint      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  test_id         bigint      NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  retry           integer     NOT NULL CHECK (retry >= 0),
  status          text        NOT NULL CHECK (status IN ('passed', 'failed', 'timedOut', 'skipped', 'interrupted')),
  expected_status text        NOT NULL DEFAULT 'passed'
                              CHECK (expected_status IN ('passed', 'failed', 'timedOut', 'skipped', 'interrupted')),
  duration_ms     bigint      NOT NULL CHECK (duration_ms >= 0),
  line            integer,
  col             integer,
  error_message   text,
  error_stack     text,
  error_location  jsonb,
  steps           jsonb,
  annotations     jsonb,
  attachments     jsonb,
  -- Extra fields one-shot reporters send (slowest step, network requests, web vitals).
  extra           jsonb,
  -- The per-run event sequence number of this attempt's `test-completed` event (null for one-shot runs). The
  -- attempt is that event: replay reads it from here, so its data is not stored twice.
  seq             bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, test_id, retry)
);
CREATE INDEX attempts_test_idx ON attempts (test_id, run_id DESC);
CREATE UNIQUE INDEX attempts_run_seq_key ON attempts (run_id, seq) WHERE seq IS NOT NULL;

-- A test's outcome in a run: its final attempt (highest retry). Counters and the read API use this table.
CREATE TABLE results (
  run_id          bigint  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  test_id         bigint  NOT NULL REFERENCES tests (id) ON DELETE CASCADE,
  -- The run's project, copied for per-project queries; no foreign key of its own (the run's covers it, and a
  -- key here would make every stored result lock the project row).
  project_id      bigint  NOT NULL,
  final_retry     integer NOT NULL CHECK (final_retry >= 0),
  status          text    NOT NULL CHECK (status IN ('passed', 'failed', 'timedOut', 'skipped', 'interrupted')),
  expected_status text    NOT NULL DEFAULT 'passed',
  duration_ms     bigint  NOT NULL CHECK (duration_ms >= 0),
  attempt_count   integer NOT NULL CHECK (attempt_count >= 1),
  flaky           boolean GENERATED ALWAYS AS (status = 'passed' AND final_retry > 0) STORED,
  PRIMARY KEY (run_id, test_id)
);
-- Test history (one test across runs, newest first), and a run's results filtered by status.
CREATE INDEX results_test_idx ON results (test_id, run_id DESC);
CREATE INDEX results_run_status_idx ON results (run_id, status);
-- Flaky tests of a project over its recent runs, and slowest tests.
CREATE INDEX results_project_flaky_idx ON results (project_id, run_id DESC) WHERE flaky;
CREATE INDEX results_project_run_idx ON results (project_id, run_id DESC, duration_ms DESC);

-- ---------------------------------------------------------------------------------------------------------------
-- Per-run event log (SSE replay reads it) and files
-- ---------------------------------------------------------------------------------------------------------------

-- Every stored change of a run is numbered 1, 2, 3, … without gaps inside the transaction that makes it. The
-- event log is this table (run-progress, run-files, run-finished) together with the attempts that carry a seq
-- (test-completed).
CREATE TABLE run_events (
  run_id     bigint      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq        bigint      NOT NULL CHECK (seq >= 1),
  type       text        NOT NULL CHECK (type IN ('run-progress', 'run-files', 'run-finished')),
  data       jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE artifacts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       bigint      NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  kind         text        NOT NULL CHECK (kind IN ('report', 'trace', 'screenshot', 'video', 'other')),
  -- For reports: the `<type>` of `report_<type>` and its label.
  report_type  text,
  label        text,
  -- For attempt files: which attempt they belong to (the attempt may arrive after the file).
  test_id      bigint REFERENCES tests (id) ON DELETE CASCADE,
  retry        integer CHECK (retry >= 0),
  name         text        NOT NULL,
  content_type text        NOT NULL,
  size_bytes   bigint      NOT NULL CHECK (size_bytes >= 0),
  -- Path relative to the storage directory; for an extracted archive, the folder that holds its entries.
  storage_path text        NOT NULL,
  entry_count  integer,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, kind, report_type)
);
CREATE INDEX artifacts_run_idx ON artifacts (run_id);
CREATE INDEX artifacts_test_idx ON artifacts (test_id, retry) WHERE test_id IS NOT NULL;
