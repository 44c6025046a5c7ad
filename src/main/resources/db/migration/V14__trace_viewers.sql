-- Trace viewers ("Files that work"): a run with traces but no HTML report opens them in the trace viewer that
-- ships in the user's own playwright-core (lib/vite/traceViewer), uploaded once per Playwright version by the
-- reporter. One copy per version; its entries live in the file storage under trace-viewers/<id>/.
CREATE TABLE trace_viewers (
  id          bigserial PRIMARY KEY,
  version     text        NOT NULL UNIQUE CHECK (version ~ '^[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}(-[0-9A-Za-z.-]{1,40})?$'),
  entry_count integer     NOT NULL CHECK (entry_count > 0),
  size_bytes  bigint      NOT NULL CHECK (size_bytes >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
