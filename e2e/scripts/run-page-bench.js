// Benchmark: how long the run page of a 10,000-result run takes to show its first screen in Chromium.
//
//   (cd e2e && node scripts/run-page-bench.js)                 starts a node from ../target/runboard.jar (build it
//                                                               first: mvn -o package -DskipTests), seeds, measures
//   BASE_URL=http://127.0.0.1:3000 ADMIN_USER=… ADMIN_PASSWORD=… node scripts/run-page-bench.js
//                                                               measures against a running node instead
//   env: TESTS (10000), FAILURES (400), LOADS (9, the first one warms up and is not counted), RUN_ID (skip seeding)
//
// "First screen" is the run page's `runboard:first-screen` mark: the first frame after results were first drawn
// (the run's first failures, from the read API, when the stream's init is still on its way); "every result drawn"
// is `runboard:complete`, the first frame after init's results were drawn. Both are measured from the navigation's
// start (performance.now() origin); their medians over the loads are printed last.
const { chromium } = require('@playwright/test');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const TESTS = Number(process.env.TESTS || 10000);
const FAILURES = Number(process.env.FAILURES || 400);
const LOADS = Number(process.env.LOADS || 9);
const ADMIN = { username: process.env.ADMIN_USER || 'bench-admin',
  password: process.env.ADMIN_PASSWORD || 'bench password, not secret' };

const freePort = () => new Promise((resolve, reject) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  }).on('error', reject);
});

async function startNode() {
  const jar = path.resolve(__dirname, '../../target/runboard.jar');
  if (!fs.existsSync(jar)) throw new Error(`${jar} is missing: run mvn -o package -DskipTests first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runboard-bench-'));
  const port = await freePort();
  const child = spawn('java', ['-jar', jar], {
    // The dashboard is served from <cwd>/webroot: WEBROOT_DIR measures another version of it (a baseline).
    cwd: process.env.WEBROOT_DIR || path.resolve(__dirname, '../..'),
    env: { ...process.env, RUNBOARD_HTTP_HOST: '127.0.0.1', RUNBOARD_HTTP_PORT: String(port), RUNBOARD_FILES_PORT: '0',
      RUNBOARD_DATA_DIR: dataDir, RUNBOARD_ADMIN_USERNAME: ADMIN.username, RUNBOARD_ADMIN_PASSWORD: ADMIN.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`the node exited (${child.exitCode}):\n${log}`);
    try {
      const ready = await fetch(`${base}/health/ready`);
      if (ready.ok) break;
    } catch (e) {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, stop };
}

async function login(base) {
  const response = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN) });
  if (!response.ok) throw new Error(`login answered ${response.status}`);
  return response.headers.get('set-cookie').split(';')[0];
}

/** A long Playwright-like stack: the error, a call log, 40 frames. */
function longStack(file, i) {
  const frames = [];
  for (let f = 0; f < 40; f++) {
    frames.push(`    at ${f % 3 ? `helper${f} (/ci/work/node_modules/shop-kit/lib/step-${f}.js:${100 + f}:${7 + (f % 9)})`
      : `/ci/work/${file}:${20 + f}:9`}`);
  }
  return `Error: expect(locator).toHaveText(expected) failed\n\nLocator: getByTestId('total-${i % 7}')\nExpected: "${i}.00"\n`
    + `Received: "0.00"\nTimeout: 5000ms\n\nCall log:\n${'  - waiting for getByTestId(\'total\')\n'.repeat(12)}${frames.join('\n')}`;
}

async function seed(base, cookie) {
  const { key } = await json(`${base}/api/keys`, { Cookie: cookie }, { name: `bench ${Date.now()}` });
  const started = await json(`${base}/api/test-runs/start`, { Authorization: `Bearer ${key}` },
    { projectName: 'bench-10k', expectedTests: TESTS, metadata: { scm: { branch: 'main', commit: 'c0ffee1234567890' } } });
  const files = Math.ceil(TESTS / 12);
  const every = Math.max(1, Math.floor(TESTS / FAILURES));
  for (let from = 0; from < TESTS; from += 900) {
    const testCases = [];
    for (let i = from; i < Math.min(TESTS, from + 900); i++) {
      const file = `tests/area-${String(i % files).padStart(4, '0')}.spec.ts`;
      const titlePath = [`area ${i % files}`, `flow ${Math.floor(i / files)}`, `does step ${i}`];
      const base1 = { type: 'complete', title: titlePath[2], titlePath, location: `${file}:${10 + (i % 50)}:5`, retry: 0,
        duration: 200 + (i % 50) * 37 };
      if (i % every === 0 && i / every < FAILURES) {
        const stack = longStack(file, i);
        testCases.push({ ...base1, status: 'failed', error: { message: stack.split('\n\nCall log')[0], stack } });
      } else if (i % 97 === 5) {
        testCases.push({ ...base1, status: 'failed', error: { message: 'socket hang up', stack: longStack(file, i) } });
        testCases.push({ ...base1, retry: 1, status: 'passed' });
      } else if (i % 61 === 7) {
        testCases.push({ ...base1, status: 'skipped', duration: 0 });
      } else {
        testCases.push({ ...base1, status: 'passed' });
      }
    }
    await json(`${base}/api/test-runs/${started.runId}/events`, { 'X-Stream-Token': started.streamToken }, { testCases });
  }
  await json(`${base}/api/test-runs/${started.runId}/finish`, { 'X-Stream-Token': started.streamToken },
    { status: 'failed', duration: 600000 });
  return started.runId;
}

async function json(url, headers, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function measure(base, runId) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'] });
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const answer = await page.request.post('/api/auth/login', { data: ADMIN });
  if (!answer.ok()) throw new Error(`login answered ${answer.status()}`);
  const times = [];
  const completes = [];
  for (let i = 0; i < LOADS; i++) {
    await page.goto('about:blank');
    await page.goto(`/runs/${runId}`);
    // A dashboard without these marks (before this benchmark) is timed by its results-drawn mark, before layout and
    // paint: in its favour.
    await page.waitForFunction(() => {
      const mark = (name) => performance.getEntriesByName(`runboard:${name}`)[0];
      if (mark('first-screen') && mark('complete')) return true;
      const drawn = mark('results-drawn');
      return Boolean(drawn && !mark('first-screen') && performance.now() - drawn.startTime > 3000);
    }, null, { timeout: 60_000 });
    const marks = await page.evaluate(() => {
      const at = (name) => {
        const entry = performance.getEntriesByName(`runboard:${name}`)[0];
        return entry ? Math.round(entry.startTime) : null;
      };
      const nav = performance.getEntriesByType('navigation')[0];
      return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), initReceived: at('init-received'),
        initParsed: at('init-parsed'), initAdded: at('init-added'), resultsDrawn: at('results-drawn'),
        firstScreen: at('first-screen') ?? at('results-drawn'), complete: at('complete') ?? at('results-drawn'), rows: document.querySelectorAll('#results details.test').length,
        groups: document.querySelectorAll('#results details.group').length,
        nodes: document.getElementsByTagName('*').length };
    });
    console.log(`load ${i}${i === 0 ? ' (warm-up)' : ''}: first screen ${marks.firstScreen} ms`, JSON.stringify(marks));
    if (i > 0) {
      times.push(marks.firstScreen);
      completes.push(marks.complete);
    }
  }
  await browser.close();
  const stats = (list) => {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
      : Math.round((sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2);
    return `median ${median} ms (min ${sorted[0]}, max ${sorted[sorted.length - 1]})`;
  };
  console.log(`run ${runId}, ${TESTS} tests, ${times.length} loads: first screen ${stats(times)}; `
    + `every result drawn ${stats(completes)}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`);
}

(async () => {
  const node = process.env.BASE_URL ? { base: process.env.BASE_URL, stop: async () => {} } : await startNode();
  try {
    const cookie = await login(node.base);
    const runId = process.env.RUN_ID ? Number(process.env.RUN_ID) : await seed(node.base, cookie);
    await measure(node.base, runId);
  } finally {
    await node.stop();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
