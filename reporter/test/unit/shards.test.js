'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const RunboardReporter = require('../..');
const { Log } = require('../../lib/log');
const { StreamClient } = require('../../lib/client');
const { flushSpool } = require('../../lib/deliver');
const { readSpool } = require('../../lib/spool');
const { fakeServer, refusingUrl } = require('./helpers/fake-server');

const github = { GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '3', GITHUB_JOB: 'e2e' };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-shards-test-'));
const quiet = () => {
  const lines = [];
  const log = new Log((line) => lines.push(line));
  return { log, lines };
};

/** A Playwright-shaped test (no suite types: titlePath() as older Playwright gives it). */
function testCase(root, title) {
  return {
    title, titlePath: () => ['', 'desktop', 'a.spec.ts', title], expectedStatus: 'passed', annotations: [],
    location: { file: path.join(root, 'a.spec.ts'), line: 1, column: 1 },
    parent: { project: () => ({ name: 'desktop' }) },
  };
}

/**
 * Runs the reporter through one Playwright run of three passing tests, with `env` as the whole environment (so
 * the CI this machine may run in does not leak in). Resolves the log lines and the spool file.
 */
async function runReporter({ serverUrl, env = {}, shard = null, options = {} }) {
  const root = tmp();
  const spoolFile = path.join(root, 'spool.jsonl');
  const saved = process.env;
  process.env = { PATH: saved.PATH, ...env };
  try {
    const reporter = new RunboardReporter({ serverUrl, apiKey: 'rb_test', projectName: 'shop', spoolFile,
      keepAliveInterval: 0, retries: 1, requestTimeout: 2000, timeBudget: 5000, ...options });
    const { log, lines } = quiet();
    reporter._log = log;
    const tests = ['one', 'two', 'three'].map((title) => testCase(root, title));
    reporter.onBegin({ rootDir: root, version: '1.65.1', workers: 1, projects: [{ name: 'desktop', retries: 0 }],
      shard, reporter: [] }, { allTests: () => tests });
    for (const t of tests) {
      const result = { retry: 0, status: 'passed', duration: 5, startTime: new Date(), attachments: [], steps: [],
        errors: [] };
      reporter.onTestBegin(t, result);
      reporter.onTestEnd(t, result);
    }
    await reporter.onEnd({ status: 'passed', duration: 20 });
    await reporter.onExit();
    return { lines, spoolFile };
  } finally {
    process.env = saved;
  }
}

test('a shard in GitHub Actions starts with buildId <run id>-<attempt>, its shard and its own test count', async (t) => {
  const server = await fakeServer();
  t.after(server.close);
  const { lines, spoolFile } = await runReporter({ serverUrl: server.url, env: github, shard: { current: 2, total: 4 } });
  assert.deepEqual(lines, []);
  const [start] = server.of('start');
  assert.equal(start.body.buildId, '42-3');
  assert.deepEqual(start.body.shard, { current: 2, total: 4 });
  assert.equal(start.body.expectedTests, 3);
  assert.equal(start.body.projectName, 'shop');
  assert.match(start.body.runKey, /^gh-42-e2e-shard2of4-/, 'the runKey still names this shard');
  assert.equal(server.of('events').flatMap((r) => r.body.testCases).filter((e) => e.type === 'complete').length, 3);
  assert.equal(server.of('finish').length, 1);
  assert.equal(fs.existsSync(spoolFile), false, 'delivered: the spool is gone');
});

test('an unsharded run in CI sends neither buildId nor shard, as before', async (t) => {
  const server = await fakeServer();
  t.after(server.close);
  await runReporter({ serverUrl: server.url, env: github });
  const [start] = server.of('start');
  assert.equal('buildId' in start.body, false);
  assert.equal('shard' in start.body, false);
  assert.match(start.body.runKey, /^gh-42-e2e-[0-9a-f]{8}$/);
});

test('RUNBOARD_BUILD_ID joins shards outside CI', async (t) => {
  const server = await fakeServer();
  t.after(server.close);
  await runReporter({ serverUrl: server.url, env: { RUNBOARD_BUILD_ID: 'local-7' }, shard: { current: 1, total: 2 } });
  assert.deepEqual([server.of('start')[0].body.buildId, server.of('start')[0].body.shard],
    ['local-7', { current: 1, total: 2 }]);
});

test('a shard without any build id sends no shard and warns once how to set RUNBOARD_BUILD_ID', async (t) => {
  const server = await fakeServer();
  t.after(server.close);
  const { lines } = await runReporter({ serverUrl: server.url, env: { CI: 'true' }, shard: { current: 2, total: 4 } });
  const [start] = server.of('start');
  assert.equal('buildId' in start.body, false);
  assert.equal('shard' in start.body, false);
  assert.deepEqual(start.body.metadata.playwright.shard, { current: 2, total: 4 }, 'still in the metadata');
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], /shard 2\/4.*separate run.*RUNBOARD_BUILD_ID/);
  assert.equal(server.of('finish').length, 1, 'the run itself is sent as before');
});

for (const [conflict, reason] of [
  ['Shard 2 of build 42-3 has already finished.', /this shard of the build has already finished/],
  ['Shard total 4 differs from the run\'s total 3.', /other shards were started with another shard total than 4/],
  ['Conflict.', /either this shard of the build has already finished, or .* another shard total than 4/],
]) {
  test(`409 to a shard's start (${conflict}): one clear line, no other key tried, results kept`, async (t) => {
    const server = await fakeServer({ start: () => ({ status: 409, json: { error: 'conflict', message: conflict } }) });
    t.after(server.close);
    const started = Date.now();
    const { lines, spoolFile } = await runReporter({ serverUrl: server.url, env: github,
      shard: { current: 2, total: 4 } });
    assert.ok(Date.now() - started < 4000, 'the run is not held up');
    assert.equal(server.of('start').length, 1, 'a refused shard is not restarted under another runKey');
    assert.equal(server.of('events').length + server.of('finish').length, 0);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /the server refused to start shard 2\/4 of build 42-3 \(HTTP 409 conflict: /);
    assert.match(lines[0], reason);
    assert.match(lines[1], /not delivered.*flush --new-run .*spool\.jsonl/);
    const spool = readSpool(spoolFile);
    assert.equal(spool.events.length, 3);
    assert.deepEqual([spool.start.buildId, spool.start.shard], ['42-3', { current: 2, total: 4 }]);
  });
}

test('409 to an unsharded start still moves to a fresh runKey, as before', async () => {
  const server = await fakeServer({
    start: (r, all) => (all.filter((x) => x.route === 'start').length === 1 ? { status: 409, json: { error: 'conflict' } }
      : undefined),
  });
  try {
    const { log } = quiet();
    const client = new StreamClient({ serverUrl: server.url, apiKey: 'k', projectName: 'shop', runKey: 'gh-1-e2e',
      startBody: { startTime: 'T' }, log, keepAliveInterval: 0, retries: 1 });
    assert.equal(await client.flush(), true);
    const keys = server.of('start').map((r) => r.body.runKey);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], 'gh-1-e2e');
    assert.match(keys[1], /^gh-1-e2e-[0-9a-f]{12}$/);
    client.close();
  } finally {
    await server.close();
  }
});

test('a retried start of a shard sends the same buildId, shard and runKey, so the server resumes that shard', async () => {
  const server = await fakeServer({
    start: (r, all) => (all.filter((x) => x.route === 'start').length === 1 ? { status: 503, json: {} } : undefined),
  });
  try {
    const { log } = quiet();
    const client = new StreamClient({ serverUrl: server.url, apiKey: 'k', projectName: 'shop', runKey: 'gh-42-e2e-s2',
      startBody: { startTime: 'T', buildId: '42-3', shard: { current: 2, total: 4 } }, log, keepAliveInterval: 0,
      retries: 3, backoffBase: 10 });
    assert.equal(await client.flush(), true);
    const [first, second] = server.of('start').map((r) => r.body);
    assert.deepEqual(second, first);
    assert.deepEqual([second.buildId, second.shard, second.runKey], ['42-3', { current: 2, total: 4 }, 'gh-42-e2e-s2']);
    client.close();
  } finally {
    await server.close();
  }
});

test('flush replays a shard\'s start with its buildId and shard; --new-run sends it as a run of its own', async (t) => {
  const down = await refusingUrl();
  const { lines, spoolFile } = await runReporter({ serverUrl: down, env: github, shard: { current: 3, total: 4 } });
  assert.match(lines.join('\n'), /cannot reach/);
  assert.ok(fs.existsSync(spoolFile), 'not delivered: the spool is kept');

  const server = await fakeServer();
  t.after(server.close);
  const { log } = quiet();
  const outcome = await flushSpool(spoolFile, { serverUrl: server.url, apiKey: 'rb_test', log });
  assert.equal(outcome.delivered, true);
  const [start] = server.of('start');
  assert.deepEqual([start.body.buildId, start.body.shard, start.body.expectedTests], ['42-3', { current: 3, total: 4 }, 3]);
  assert.match(start.body.runKey, /^gh-42-e2e-shard3of4-/);
  assert.equal(server.of('finish')[0].body.status, 'passed');

  const again = await flushSpool(spoolFile, { serverUrl: server.url, apiKey: 'rb_test', log, newRun: true });
  assert.equal(again.delivered, true);
  const fresh = server.of('start')[1].body;
  assert.equal('buildId' in fresh, false);
  assert.equal('shard' in fresh, false);
  assert.notEqual(fresh.runKey, start.body.runKey);
});

test('flush of a spool whose process died before git answered still replays buildId and shard', async (t) => {
  const dir = tmp();
  const file = path.join(dir, 'spool.jsonl');
  const { Spool } = require('../../lib/spool');
  const spool = new Spool(file);
  spool.open({ projectName: 'shop', runKey: 'gl-5-e2e', start: { startTime: '2026-01-01T00:00:00.000Z',
    expectedTests: 2, buildId: '5', shard: { current: 1, total: 2 } } });
  spool.close();
  const server = await fakeServer();
  t.after(server.close);
  const { log } = quiet();
  const outcome = await flushSpool(file, { serverUrl: server.url, apiKey: 'rb_test', log });
  assert.equal(outcome.delivered, true);
  assert.deepEqual([server.of('start')[0].body.buildId, server.of('start')[0].body.shard], ['5', { current: 1, total: 2 }]);
  assert.equal(server.of('finish')[0].body.status, 'interrupted', 'no recorded end');
});

test('flush of a shard the server refuses reports the conflict, not a finished runKey', async (t) => {
  const dir = tmp();
  const file = path.join(dir, 'spool.jsonl');
  const { Spool } = require('../../lib/spool');
  const spool = new Spool(file);
  spool.open({ projectName: 'shop', runKey: 'gl-5-e2e', start: { startTime: 'T', buildId: '5',
    shard: { current: 1, total: 2 } } });
  spool.close();
  const server = await fakeServer({ start: () => ({ status: 409, json: { error: 'conflict',
    message: 'Shard 1 has already finished.' } }) });
  t.after(server.close);
  const { log, lines } = quiet();
  const outcome = await flushSpool(file, { serverUrl: server.url, apiKey: 'rb_test', log });
  assert.equal(outcome.delivered, false);
  assert.equal(outcome.conflict, true);
  assert.deepEqual([outcome.buildId, outcome.shard], ['5', { current: 1, total: 2 }]);
  assert.match(lines.join('\n'), /refused to start shard 1\/2 of build 5/);
  assert.equal(server.of('start').length, 1);
});
