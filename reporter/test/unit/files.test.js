'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const RunboardReporter = require('../..');
const { Log } = require('../../lib/log');
const { flushSpool } = require('../../lib/deliver');
const { readSpool } = require('../../lib/spool');
const { fakeServer, refusingUrl } = require('./helpers/fake-server');

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-files-test-'));
const quiet = () => {
  const lines = [];
  const log = new Log((line) => lines.push(line));
  return { log, lines };
};

/** The file parts of a multipart body the fake server recorded. */
const parts = (request) => [...String(request.body).matchAll(/name="((?:attachment|report)_[\w-]+)"; filename=/g)]
  .map((m) => m[1]);

/** A files answer as the server gives it: every part of the request, `stored` of them new. */
const filesAnswer = (request, stored) => {
  const files = parts(request).map((part, i) => ({ id: i + 1, kind: part.startsWith('report') ? 'report' : 'trace' }));
  return { status: 200, json: { success: true, files, stored: stored ?? files.length,
    duplicates: files.length - (stored ?? files.length) } };
};

function testCase(root, title) {
  return {
    title, titlePath: () => ['', 'desktop', 'a.spec.ts', title], expectedStatus: 'passed', annotations: [],
    location: { file: path.join(root, 'a.spec.ts'), line: 1, column: 1 },
    parent: { project: () => ({ name: 'desktop' }) },
  };
}

/**
 * One Playwright run of two tests through the reporter, each attempt with a trace, and an HTML report folder.
 * Resolves the log lines, the spool file and the folder.
 */
async function runReporter({ serverUrl, options = {} }) {
  const root = tmp();
  const spoolFile = path.join(root, 'spool.jsonl');
  const report = path.join(root, 'playwright-report');
  fs.mkdirSync(report);
  fs.writeFileSync(path.join(report, 'index.html'), '<html>report</html>');
  const saved = process.env;
  process.env = { PATH: saved.PATH };
  try {
    const reporter = new RunboardReporter({ serverUrl, apiKey: 'rb_test', projectName: 'shop', spoolFile,
      keepAliveInterval: 0, retries: 2, requestTimeout: 2000, timeBudget: 8000, htmlReportFolder: report,
      ...options });
    const { log, lines } = quiet();
    reporter._log = log;
    const tests = ['one', 'two'].map((title) => testCase(root, title));
    reporter.onBegin({ rootDir: root, version: '1.65.1', workers: 1, projects: [{ name: 'desktop', retries: 0 }],
      reporter: [] }, { allTests: () => tests });
    for (const t of tests) {
      const trace = path.join(root, `${t.title}-trace.zip`);
      fs.writeFileSync(trace, `PK ${t.title}`);
      const result = { retry: 0, status: 'passed', duration: 5, startTime: new Date(), steps: [], errors: [],
        attachments: [{ name: 'trace', contentType: 'application/zip', path: trace }] };
      reporter.onTestBegin(t, result);
      reporter.onTestEnd(t, result);
    }
    await reporter.onEnd({ status: 'passed', duration: 20 });
    await reporter.onExit();
    return { lines, spoolFile, root };
  } finally {
    process.env = saved;
  }
}

test('every files answer lost: the run is still finished, and the files wait in the spool', async (t) => {
  const server = await fakeServer({ files: () => ({ status: 503, json: { error: 'unavailable' } }) });
  t.after(server.close);
  const { lines, spoolFile } = await runReporter({ serverUrl: server.url });

  assert.equal(server.of('finish').length, 1, 'finish is sent although no files answer came');
  assert.equal(server.of('finish')[0].body.status, 'passed');
  assert.equal(server.of('files').length, 2, 'the report, tried twice (retries: 2); then the files stop');
  assert.ok(fs.existsSync(spoolFile), 'the spool is kept for the files');
  const spool = readSpool(spoolFile);
  assert.deepEqual(spool.finished, { runId: 1 });
  assert.equal(spool.attached.report, false);
  assert.equal(spool.attached.keys.size, 0);
  const text = lines.join('\n');
  assert.match(text, /run 1 is finished on http:\/\/127\.0\.0\.1:\d+, but 3 of its files were not attached \(HTTP 503/);
  assert.match(text, /npx runboard-reporter flush .*spool\.jsonl/);
  assert.doesNotMatch(text, /not delivered/);
});

test('flush after that sends only the files, to the finished run, with the API key; nothing twice', async (t) => {
  const down = await fakeServer({ files: () => ({ status: 503, json: {} }) });
  const { spoolFile } = await runReporter({ serverUrl: down.url });
  await down.close();

  const server = await fakeServer({ upload: (r) => filesAnswer(r, 0) });
  t.after(server.close);
  const { log } = quiet();
  const outcome = await flushSpool(spoolFile, { serverUrl: server.url, apiKey: 'rb_test', log });
  assert.equal(outcome.delivered, true);
  assert.equal(outcome.lateFiles, true);
  assert.deepEqual(server.requests.map((r) => r.route), ['upload', 'upload'], 'no start, events or finish');
  const [report, traces] = server.of('upload');
  for (const r of [report, traces]) {
    assert.equal(r.headers.authorization, 'Bearer rb_test');
    assert.match(String(r.body), /name="testRunId"\r\n\r\n1\r\n/);
  }
  assert.deepEqual(parts(report), ['report_html']);
  assert.deepEqual(parts(traces), ['attachment_0', 'attachment_1']);
  assert.deepEqual([outcome.stats.files, outcome.stats.filesStored, outcome.stats.filesDuplicates], [3, 0, 3]);
  const spool = readSpool(spoolFile);
  assert.equal(spool.attached.report, true, 'flush records what the server confirmed');
  assert.equal(spool.attached.keys.size, 2);
});

test('flush sends only what the server has not confirmed: the report went through, the traces did not', async (t) => {
  const half = await fakeServer({ files: (r) => (parts(r).includes('report_html') ? filesAnswer(r)
    : { status: 502, json: {} }) });
  const { spoolFile, lines } = await runReporter({ serverUrl: half.url });
  await half.close();
  assert.match(lines.join('\n'), /but 2 of its files were not attached/);
  assert.equal(readSpool(spoolFile).attached.report, true);

  const server = await fakeServer({ upload: (r) => filesAnswer(r) });
  t.after(server.close);
  const outcome = await flushSpool(spoolFile, { serverUrl: server.url, apiKey: 'rb_test', log: quiet().log });
  assert.equal(outcome.delivered, true);
  assert.deepEqual(server.of('upload').map(parts), [['attachment_0', 'attachment_1']], 'the report is not sent again');
});

test('a lost answer is resent once the server answers; the server counts the files as already there', async (t) => {
  let calls = 0;
  const server = await fakeServer({ files: (r) => (++calls === 1 ? { status: 503, json: {} } : filesAnswer(r, 0)) });
  t.after(server.close);
  const { lines, spoolFile } = await runReporter({ serverUrl: server.url });
  assert.deepEqual(lines, [], 'nothing to report');
  assert.equal(fs.existsSync(spoolFile), false, 'delivered: the spool is deleted');
  assert.equal(server.of('files').length, 3, 'report twice, traces once');
  assert.equal(server.of('finish').length, 1);
});

test('files the server refuses (4xx) are logged once, the run is finished and the spool deleted', async (t) => {
  const server = await fakeServer({ files: () => ({ status: 404, json: { error: 'not_found', message: 'No such API route.' } }) });
  t.after(server.close);
  const { lines, spoolFile } = await runReporter({ serverUrl: server.url });
  assert.equal(server.of('finish').length, 1);
  assert.equal(fs.existsSync(spoolFile), false, 'a refusal would be refused again: nothing is kept for it');
  assert.equal(lines.filter((l) => /could not attach/.test(l)).length, 1);
});

test('files that never answer leave the finish its share of the time budget', async (t) => {
  const server = await fakeServer({ files: () => ({ hang: true }) });
  t.after(server.close);
  const began = Date.now();
  const { lines, spoolFile } = await runReporter({ serverUrl: server.url, options: { timeBudget: 4000 } });
  const took = Date.now() - began;
  assert.equal(server.of('finish').length, 1, 'finish sent after the files ran out of time');
  assert.ok(took < 6000, `bounded by the time budget (took ${took} ms)`);
  assert.ok(readSpool(spoolFile).finished);
  assert.match(lines.join('\n'), /is finished on .*but 3 of its files were not attached \((no answer within \d+ ms|time budget used up)\)/);
});

test('flush against a closed port says the connection was refused, and keeps the file', async () => {
  const down = await refusingUrl();
  const { spoolFile } = await runReporter({ serverUrl: down, options: { retries: 1 } });
  const run = spawnSync(process.execPath, [path.join(__dirname, '../../cli.js'), 'flush', spoolFile],
    { env: { PATH: process.env.PATH, RUNBOARD_URL: down, RUNBOARD_API_KEY: 'rb_test' }, encoding: 'utf8',
      timeout: 30000 });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /was not delivered \(connection refused by http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED 127\.0\.0\.1:\d+\): is the server running on that port\?\); the file is kept/);
  assert.doesNotMatch(run.stderr, /did not answer in time|rb_test/);
  assert.ok(fs.existsSync(spoolFile));

  // The same for the late files of a finished run.
  const lossy = await fakeServer({ files: () => ({ status: 503, json: {} }) });
  const late = await runReporter({ serverUrl: lossy.url });
  await lossy.close();
  const flush = spawnSync(process.execPath, [path.join(__dirname, '../../cli.js'), 'flush', late.spoolFile],
    { env: { PATH: process.env.PATH, RUNBOARD_URL: down, RUNBOARD_API_KEY: 'rb_test' }, encoding: 'utf8',
      timeout: 30000 });
  assert.equal(flush.status, 1, flush.stderr);
  assert.match(flush.stderr, /was not delivered \(run 1 is finished, but 3 files were not attached: connection refused by http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED 127\.0\.0\.1:\d+\): is the server running on that port\?\); the file is kept/);
});

test('flush of a finished run past the server\'s grace reports the refusal and keeps the file', async (t) => {
  const down = await fakeServer({ files: () => ({ status: 503, json: {} }) });
  const { spoolFile } = await runReporter({ serverUrl: down.url });
  await down.close();
  const server = await fakeServer({ upload: () => ({ status: 409, json: { error: 'conflict',
    message: 'Run 1 has finished (passed) more than 24 h ago (runs.filesGrace); it takes no more files.' } }) });
  t.after(server.close);
  const outcome = await flushSpool(spoolFile, { serverUrl: server.url, apiKey: 'rb_test', log: quiet().log });
  assert.equal(outcome.delivered, false);
  assert.equal(outcome.filesRefused, 3);
  assert.equal(server.of('upload').length, 2, 'the report and the traces are each refused once, not retried');
});
