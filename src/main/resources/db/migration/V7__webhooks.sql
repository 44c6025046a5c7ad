-- Per-project webhooks: where to send run endings, in which format, signed with which secret; and the delivery
-- log, which is also the queue every node's sender claims from (FOR UPDATE SKIP LOCKED).

CREATE TABLE webhooks (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id    bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name          text CHECK (char_length(name) BETWEEN 1 AND 100),
  url           text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
  events        text[]      NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 4
                              AND events <@ ARRAY['run.finished', 'run.failed', 'run.new-failures', 'run.interrupted']),
  format        text        NOT NULL CHECK (format IN ('generic', 'slack', 'teams')),
  -- The HMAC key of the signatures. Kept as is (not hashed): the server needs it to sign every delivery.
  secret        text        NOT NULL,
  enabled       boolean     NOT NULL DEFAULT true,
  -- Since when the webhook is enabled: runs that ended before are never delivered to it.
  active_since  timestamptz NOT NULL DEFAULT now(),
  -- The dashboard's origin as the creating request saw it, for links when http.publicUrl is not set.
  dashboard_url text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_project_idx ON webhooks (project_id);

-- A run ending whose deliveries were decided, once whichever node got there first. Its primary key makes the
-- decision idempotent: every node receives the run-finished message, and the periodic scan may find it too.
-- new_failures counts the tests that passed in previous_run_id (the run before it on the same branch) and failed in it.
CREATE TABLE webhook_runs (
  run_id          bigint      PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  previous_run_id bigint,
  new_failures    integer     NOT NULL CHECK (new_failures >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id      bigint      NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  -- Null for a test delivery ("send test").
  run_id          bigint REFERENCES runs (id) ON DELETE CASCADE,
  event           text        NOT NULL
                              CHECK (event IN ('run.finished', 'run.failed', 'run.new-failures', 'run.interrupted',
                                               'webhook.test')),
  -- pending: waits for next_attempt_at; sending: claimed by a node until next_attempt_at (its lease), after which
  -- another node may claim it again; delivered and failed are final.
  status          text        NOT NULL DEFAULT 'pending'
                              CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  response_code   integer,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  CHECK ((status IN ('pending', 'sending')) = (next_attempt_at IS NOT NULL)),
  -- One delivery per webhook, run and event (test deliveries have no run, so they may repeat).
  UNIQUE (webhook_id, run_id, event)
);
-- The senders' claim: due deliveries, oldest first.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
  WHERE status IN ('pending', 'sending');
-- The delivery log of a webhook, newest first.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);

-- The scan for missed endings reads finished runs by their last activity (the finish, or for an interrupted run
-- the activity before it).
CREATE INDEX runs_finished_activity_idx ON runs (last_activity_at) WHERE status <> 'running';
