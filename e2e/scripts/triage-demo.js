// A realistic triage run for screenshots and the render-time measurement, fed through the ingest API:
//   BASE_URL=http://127.0.0.1:3320 node scripts/triage-demo.js seed [tests] [failures] [shared]
//   BASE_URL=… node scripts/triage-demo.js shots <runId> <outDir>      (run, feed, project: desktop/phone × light/dark)
//   BASE_URL=… node scripts/triage-demo.js measure <runId>             (first screen of the run page, 5 loads)
// Signs in as (or sets up) demo-admin; writes nothing outside the server and the given folder.
const { chromium } = require('@playwright/test');
const { Reporter, attempt, call } = require('../tests/ingest');

const BASE = process.env.BASE_URL || 'http://127.0.0.1:3000';
const ADMIN = { username: 'demo-admin', password: 'correct horse battery staple' };
const REFUSED = 'Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:40007/cart\nCall log:\n  - navigating to "http://localhost:40007/cart", waiting until "load"';

async function session() {
  const setup = await call('/api/auth/setup', { method: 'GET' });
  if (setup.setupRequired) await call('/api/auth/setup', { body: ADMIN });
  const response = await fetch(`${BASE}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN) });
  if (!response.ok) throw new Error(`login answered ${response.status}`);
  return response.headers.get('set-cookie').split(';')[0];
}

async function reporterKey(cookie) {
  const { key } = await call('/api/keys', { headers: { Cookie: cookie }, body: { name: `demo ${Date.now()}` } });
  return key;
}

async function seed(total = 300, failures = 27, shared = 24) {
  const cookie = await session();
  const reporter = new Reporter(await reporterKey(cookie));
  const files = Math.max(1, Math.ceil(total / 12));
  const testAt = (i) => {
    const file = `tests/area-${String(i % files).padStart(3, '0')}.spec.ts`;
    return [file, [`area ${i % files}`, `flow ${Math.floor(i / files)}`, `does step ${i}`]];
  };
  const metadata = {
    scm: { branch: 'feature/cart', commit: '3f9a1c27be04d1e0c0ffee42d00d5eed1234abcd', remote: 'git@github.com:acme/shop.git',
      message: 'Cart: keep items across sessions' },
    ci: { provider: 'github-actions', name: 'GitHub Actions', buildUrl: 'https://github.com/acme/shop/actions/runs/8812',
      buildId: '8812', repository: 'acme/shop', pullRequest: '417' },
  };
  const previous = await reporter.start('shop', { metadata: { scm: { ...metadata.scm, commit: 'aa11bb22cc33' } } });
  for (let from = 0; from < total; from += 900) {
    const batch = [];
    for (let i = from; i < Math.min(total, from + 900); i++) {
      const [file, titlePath] = testAt(i);
      batch.push(attempt(file, titlePath, i >= shared && i < failures - 1 ? 'failed' : 'passed',
        { duration: 200 + (i % 50) * 37, error: i >= shared && i < failures - 1 ? { message: 'Expected: 1\nReceived: 2' } : undefined }));
    }
    await previous.events(batch);
  }
  await previous.finish('failed', 300000);

  const run = await reporter.start('shop', { expectedTests: total, metadata });
  for (let from = 0; from < total; from += 900) {
    const batch = [];
    for (let i = from; i < Math.min(total, from + 900); i++) {
      const [file, titlePath] = testAt(i);
      const duration = 200 + (i % 50) * 37;
      if (i < shared) {
        batch.push(attempt(file, titlePath, 'failed', { duration, error: { message: REFUSED.replace('40007', String(40000 + i)),
          stack: `${REFUSED}\n    at ${file}:12:7` } }));
      } else if (i < failures - 1) {
        batch.push(attempt(file, titlePath, 'failed', { duration, error: { message: `\u001b[31mExpected\u001b[39m: 1\nReceived: ${i}`,
          stack: `Error: expect(received).toBe(expected)\n    at ${file}:${20 + i}:9` } }));
      } else if (i === failures - 1) {
        batch.push(attempt(file, titlePath, 'timedOut', { duration: 30000, error: { message: 'Test timeout of 30000ms exceeded.' } }));
      } else if (i % 97 === 5) {
        batch.push(attempt(file, titlePath, 'failed', { duration, error: { message: 'flaky socket' } }));
        batch.push(attempt(file, titlePath, 'passed', { duration, retry: 1 }));
      } else if (i % 61 === 7) {
        batch.push(attempt(file, titlePath, 'skipped', { duration: 0 }));
      } else {
        batch.push(attempt(file, titlePath, 'passed', { duration }));
      }
    }
    await run.events(batch);
  }
  await run.finish('failed', 312000);
  console.log(JSON.stringify({ runId: run.id, previousRunId: previous.id, projectId: run.projectId }));
}

async function browser() {
  const b = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu'] });
  return b;
}

async function signedInContext(b, options) {
  const context = await b.newContext({ baseURL: BASE, ...options });
  const page = await context.newPage();
  const response = await page.request.post('/api/auth/login', { data: ADMIN });
  if (!response.ok()) throw new Error(`login answered ${response.status()}`);
  return { context, page };
}

/** The run page, the filtered runs feed and the project page (branch, found tests): desktop/phone × light/dark. */
async function shots(runId, outDir) {
  const b = await browser();
  const cookie = await session();
  const run = await call(`/api/test-runs/${runId}`, { method: 'GET', headers: { Cookie: cookie } });
  const branch = encodeURIComponent(run.branch || '');
  const pages = [
    ['run', `/runs/${runId}`, '#failures details.group'],
    ['feed', `/?branch=${encodeURIComponent(`${(run.branch || '').split('/')[0]}/`)}&q=cart`, '#runs tr[data-run-id]'],
    ['project', `/projects/${run.projectId}?branch=${branch}`, '.chart canvas'],
    ['project-tests', `/projects/${run.projectId}?branch=${branch}&test=flow%201%20does`, '#test-results tbody tr'],
  ];
  for (const [name, viewport] of [['desktop', { width: 1440, height: 1000 }], ['phone', { width: 390, height: 844 }]]) {
    for (const scheme of ['light', 'dark']) {
      const { context, page } = await signedInContext(b, { viewport, colorScheme: scheme, deviceScaleFactor: 1 });
      for (const [what, url, ready] of pages) {
        await page.goto(url);
        await page.locator(ready).first().waitFor();
        await page.waitForTimeout(800);
        if (what === 'project-tests') await page.locator('#test-search').evaluate((el) => window.scrollTo(0, el.closest('section').getBoundingClientRect().top + window.scrollY - 70));
        const file = `${outDir}/${what}-${name}-${scheme}.png`;
        await page.screenshot({ path: file });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        console.log(file, 'overflow', overflow);
      }
      await context.close();
    }
  }
  await b.close();
}

async function measure(runId) {
  const b = await browser();
  const { context, page } = await signedInContext(b, { viewport: { width: 1440, height: 1000 } });
  const times = [];
  for (let i = 0; i < 6; i++) {
    const start = Date.now();
    await page.goto(`/runs/${runId}`, { waitUntil: 'commit' });
    await page.locator('#results details.group, #results details.test').first().waitFor();
    const ms = Date.now() - start;
    const fromNav = await page.evaluate(() => Math.round(performance.now()));
    const rows = await page.locator('#results details.test').count();
    const marks = await page.evaluate(() => {
      const at = (name) => Math.round((performance.getEntriesByName(name)[0] || {}).startTime || -1);
      const nav = performance.getEntriesByType('navigation')[0];
      return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), initReceived: at('runboard:init-received'),
        initParsed: at('runboard:init-parsed'), initAdded: at('runboard:init-added'),
        firstDrawn: at('runboard:results-drawn') };
    });
    console.log(JSON.stringify(marks));
    if (i > 0) times.push(ms);
    console.log(`load ${i}: ${ms} ms to the first group (page clock ${fromNav} ms), ${rows} rows in the DOM`);
  }
  times.sort((a, b2) => a - b2);
  console.log(`median ${times[Math.floor(times.length / 2)]} ms`);
  await context.close();
  await b.close();
}

const [command, ...args] = process.argv.slice(2);
const commands = { seed: () => seed(...args.map(Number)), shots: () => shots(args[0], args[1]), measure: () => measure(args[0]) };
(commands[command] || (() => { throw new Error('seed | shots <runId> <dir> | measure <runId>'); }))()
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
