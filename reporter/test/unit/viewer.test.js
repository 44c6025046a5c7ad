'use strict';

const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { localTraceViewer, ensureTraceViewer } = require('../../lib/viewer');
const { unpackEntries } = require('../../lib/archive');

function quietLog() {
  const messages = [];
  return { messages, once: (key, message) => messages.push(message), info: (m) => messages.push(m) };
}

/** A server that knows the versions in `known` and records what it is sent. */
async function fakeServer(known) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      const version = decodeURIComponent(req.url.split('/').pop());
      if (req.method === 'GET') {
        res.writeHead(known.has(version) ? 200 : 404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(known.has(version) ? { version } : { error: 'not_found', message: 'none' }));
      } else {
        known.add(version);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ version }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, requests, url: `http://127.0.0.1:${server.address().port}` };
}

test('the trace viewer of the installed playwright-core is found', () => {
  const viewer = localTraceViewer(path.join(__dirname, '..', '..'));
  assert.ok(viewer, 'playwright-core with lib/vite/traceViewer is installed as a dev dependency');
  assert.match(viewer.version, /^\d+\.\d+\.\d+/);
  assert.ok(fs.existsSync(path.join(viewer.folder, 'sw.bundle.js')));
});

test('the viewer is uploaded once per version: asked first, sent only when the server has none', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-viewer-'));
  fs.mkdirSync(path.join(folder, 'assets'));
  fs.writeFileSync(path.join(folder, 'index.html'), '<html>viewer</html>');
  fs.writeFileSync(path.join(folder, 'sw.bundle.js'), '// worker');
  fs.writeFileSync(path.join(folder, 'assets', 'app.js'), '// app');
  const fake = await fakeServer(new Set());
  try {
    const options = { serverUrl: fake.url, apiKey: 'rb_key', timeoutMs: 5000, log: quietLog(),
      viewer: { version: '1.65.1', folder } };
    assert.strictEqual(await ensureTraceViewer(options), 'uploaded');
    assert.strictEqual(await ensureTraceViewer(options), 'present');
    assert.deepStrictEqual(fake.requests.map((r) => `${r.method} ${r.url}`), [
      'GET /api/trace-viewers/1.65.1', 'PUT /api/trace-viewers/1.65.1', 'GET /api/trace-viewers/1.65.1']);
    const put = fake.requests[1];
    assert.strictEqual(put.headers['content-type'], 'application/gzip');
    assert.strictEqual(put.headers.authorization, 'Bearer rb_key');
    assert.deepStrictEqual(unpackEntries(put.body).map((e) => e.path), ['assets/app.js', 'index.html',
      'sw.bundle.js']);
  } finally {
    fake.server.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('a server that cannot be reached is logged once and changes nothing', async () => {
  const log = quietLog();
  const result = await ensureTraceViewer({ serverUrl: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: 2000, log,
    viewer: { version: '1.65.1', folder: os.tmpdir() } });
  assert.strictEqual(result, 'failed');
  assert.strictEqual(log.messages.length, 1);
  assert.match(log.messages[0], /could not ask for the trace viewer of Playwright 1\.65\.1/);
});
