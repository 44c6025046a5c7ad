'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseImportArgs, detectFormat, importUrl, runImport } = require('../../lib/import');

const ENV = { RUNBOARD_URL: 'http://runboard.test:3000/', RUNBOARD_API_KEY: 'rb_secretkey' };

test('arguments: files, --project, --opt=value, defaults from the environment', () => {
  const parsed = parseImportArgs(['a.json', '--project', 'shop', 'b.xml', '--branch=main', '--tags', 'x,y'], ENV);
  assert.deepEqual(parsed.files, ['a.json', 'b.xml']);
  assert.equal(parsed.project, 'shop');
  assert.equal(parsed.branch, 'main');
  assert.equal(parsed.tags, 'x,y');
  assert.equal(parsed.server, 'http://runboard.test:3000', 'trailing slash removed');
  assert.equal(parsed.timeout, 120000);
  assert.equal(parseImportArgs(['a.json'], { ...ENV, RUNBOARD_PROJECT: 'env-project' }).project, 'env-project');
});

test('wrong usage is said in one line', () => {
  assert.match(parseImportArgs(['--project', 'shop'], ENV).error, /no file/);
  assert.match(parseImportArgs(['a.json'], ENV).error, /project is missing/);
  assert.match(parseImportArgs(['a.json', '--project'], ENV).error, /--project needs a value/);
  assert.match(parseImportArgs(['a.json', '--project', 'p', '--bogus'], ENV).error, /unknown option --bogus/);
  assert.match(parseImportArgs(['a.json', '--project', 'p'], { RUNBOARD_API_KEY: 'k' }).error, /server is missing/);
  assert.match(parseImportArgs(['a.json', '--project', 'p', '--server', 'ftp://x'], ENV).error, /http\(s\) URL/);
  assert.match(parseImportArgs(['a.json', '--project', 'p'], { RUNBOARD_URL: 'http://x' }).error, /API key/);
  assert.match(parseImportArgs(['a.json', '--project', 'p', '--timeout', 'soon'], ENV).error, /--timeout/);
});

test('the format is told from the first character, after a byte order mark and white space', () => {
  assert.equal(detectFormat(Buffer.from('  \n{"config":{}}')), 'json');
  assert.equal(detectFormat(Buffer.from('\ufeff<?xml version="1.0"?><testsuites/>')), 'xml');
  assert.equal(detectFormat(Buffer.from('hello')), undefined);
  assert.equal(detectFormat(Buffer.alloc(0)), undefined);
});

test('the URL carries the project and metadata; metadata too long for a request line is shortened', () => {
  const options = { server: 'http://r', project: 'shop web', branch: 'main', rootDir: '/ci/repo' };
  const url = importUrl(options, { scm: { commit: 'abc' } });
  assert.equal(url.pathname, '/api/test-runs/import');
  assert.equal(url.searchParams.get('projectName'), 'shop web');
  assert.equal(url.searchParams.get('branch'), 'main');
  assert.equal(url.searchParams.get('rootDir'), '/ci/repo');
  assert.deepEqual(JSON.parse(url.searchParams.get('metadata')), { scm: { commit: 'abc' } });
  const long = importUrl(options, { scm: { commit: 'abc', remote: 'x'.repeat(5000) }, ci: { provider: 'gh', job: 'y'.repeat(5000) } });
  assert.ok(long.toString().length <= 3500);
  assert.deepEqual(JSON.parse(long.searchParams.get('metadata')), { scm: { commit: 'abc' }, ci: { provider: 'gh' } });
});

test('one request per file; exit 0 when all are imported, 1 when one is not; the key never printed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-import-test-'));
  fs.writeFileSync(path.join(dir, 'report.json'), '{"config":{},"suites":[]}');
  fs.writeFileSync(path.join(dir, 'junit.xml'), '<testsuites/>');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
  const requests = [];
  const sendRequest = async (url, { headers, body, timeoutMs }) => {
    requests.push({ url: new URL(url), headers, body: body.toString(), timeoutMs });
    if (body.toString().startsWith('<')) {
      return { status: 400, json: { error: 'invalid_xml', message: 'bad rb_secretkey' } };
    }
    return { status: 201, json: { success: true, testRunId: 7, projectId: 1, format: 'playwright-json', tests: 14, attempts: 20 } };
  };
  const out = [];
  const err = [];
  const env = { ...ENV, RUNBOARD_TAGS: 'nightly' };
  const ok = await runImport(['report.json', '--project', 'shop'], { env, cwd: dir, out: (l) => out.push(l), err: (l) => err.push(l), sendRequest });
  assert.equal(ok, 0);
  assert.deepEqual(out, ['[runboard] imported report.json (playwright-json): run 7 of project shop, 14 tests, 20 attempts: http://runboard.test:3000/runs/7']);
  assert.equal(requests[0].headers['Content-Type'], 'application/json');
  assert.equal(requests[0].headers.Authorization, 'Bearer rb_secretkey');
  assert.equal(requests[0].url.searchParams.get('tags'), 'nightly');
  assert.equal(requests[0].url.searchParams.get('rootDir'), dir);
  assert.equal(requests[0].timeoutMs, 120000);

  const bad = await runImport(['junit.xml', 'missing.xml', 'notes.txt', 'report.json', '--project', 'shop'],
    { env, cwd: dir, out: (l) => out.push(l), err: (l) => err.push(l), sendRequest });
  assert.equal(bad, 1);
  assert.equal(requests.length, 3, 'one request per readable report file');
  assert.equal(requests[1].headers['Content-Type'], 'application/xml');
  assert.deepEqual(err, [
    '[runboard] junit.xml was not imported: HTTP 400 invalid_xml: bad ***',
    '[runboard] missing.xml was not imported: no such file',
    "[runboard] notes.txt was not imported: it is neither JSON (Playwright's JSON report) nor XML (JUnit)",
  ]);
  assert.equal(out.length, 2);
  const usage = await runImport([], { env, cwd: dir, out: (l) => out.push(l), err: (l) => err.push(l), sendRequest });
  assert.equal(usage, 2);
});
