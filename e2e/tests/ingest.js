// Feeds runs through the ingest API (start → events → finish) with a reporter key, as a streaming reporter does.
const base = () => process.env.BASE_URL || 'http://127.0.0.1:3000';

async function call(path, { method = 'POST', headers = {}, body } = {}) {
  const response = await fetch(base() + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

class Reporter {
  constructor(key) {
    this.key = key;
  }

  async start(projectName, extra = {}) {
    const started = await call('/api/test-runs/start', {
      headers: { Authorization: `Bearer ${this.key}` },
      body: { projectName, ...extra },
    });
    return new Run(started);
  }
}

/** A started run, or one shard of a sharded run (`shard` {current, total}; each shard has its own token). */
class Run {
  constructor({ runId, projectId, streamToken, shard }) {
    this.id = runId;
    this.projectId = projectId;
    this.token = streamToken;
    this.shard = shard || null;
  }

  events(testCases) {
    return call(`/api/test-runs/${this.id}/events`, { headers: { 'X-Stream-Token': this.token }, body: { testCases } });
  }

  finish(status, duration = 1000) {
    return call(`/api/test-runs/${this.id}/finish`, { headers: { 'X-Stream-Token': this.token }, body: { status, duration } });
  }
}

/** A completed attempt of a test in file, under describe blocks, with a status. */
function attempt(file, titlePath, status, extra = {}) {
  return { type: 'complete', title: titlePath[titlePath.length - 1], titlePath, location: `${file}:3:5`, status,
    duration: 100, retry: 0, ...extra };
}

function begin(file, titlePath, retry = 0) {
  return { type: 'begin', title: titlePath[titlePath.length - 1], titlePath, location: `${file}:3:5`, retry };
}

module.exports = { Reporter, attempt, begin, call };
