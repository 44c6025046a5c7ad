// Files on their own origin, in a real browser: a real Playwright HTML report opens from the run page and its
// trace viewer (service worker, localStorage) shows a trace; a trace attached on its own opens in that viewer with
// one click; a hostile report achieves nothing against the dashboard. Run by FilesOriginIT, which prepares the
// node and passes BASE_URL, RUN_ID, HOSTILE_RUN_ID, ADMIN_USERNAME, ADMIN_PASSWORD, SHORT_TTL_URL: a second node
// on the same database whose file URLs live 2 s, and NO_REPORT_RUN_ID: a run with a trace and no HTML report, whose
// trace opens in the trace viewer the reporter uploaded, and whose screenshot shows inline.
const fs = require('fs');
const { test, expect } = require('@playwright/test');

const ADMIN = { username: process.env.ADMIN_USERNAME, password: process.env.ADMIN_PASSWORD };
const RUN_ID = process.env.RUN_ID;
const HOSTILE_RUN_ID = process.env.HOSTILE_RUN_ID;
const NO_REPORT_RUN_ID = process.env.NO_REPORT_RUN_ID;
const SHORT_TTL_URL = process.env.SHORT_TTL_URL;
/** A signed URL on the files origin: same host as the dashboard, another port, under /c/<capability>/<id>/. */
const DASHBOARD_PORT = new URL(process.env.BASE_URL).port;
const FILES_URL = new RegExp(`^http://127\\.0\\.0\\.1:(?!${DASHBOARD_PORT}/)\\d+/c/[A-Za-z0-9_-]{60}/\\d+/`);

test.describe.configure({ mode: 'serial' });

let problems;

test.beforeEach(async ({ page }) => {
  problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
});

test.afterEach(async () => {
  expect(problems, 'no page errors or dialogs on the dashboard').toEqual([]);
});

async function signIn(page, base = '') {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
}

/** Clicks a link that opens a new tab and returns that tab. */
async function openTab(page, link) {
  const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await tab.waitForLoadState();
  return tab;
}

/** The trace viewer in `tab` lists the actions of the fixture's "adds an item" test. */
async function expectTraceActions(tab, url = /\/trace\/index\.html\?trace=/) {
  await expect(tab).toHaveURL(url);
  const actions = tab.locator('.action-title');
  await expect(actions.filter({ hasText: /click/i }).first()).toBeVisible();
  await expect(actions.filter({ hasText: /set content/i }).first()).toBeVisible();
  expect(await actions.count()).toBeGreaterThanOrEqual(3);
}

test('the HTML report opens from the run page on the files origin; its trace viewer shows the trace', async ({ page }) => {
  await signIn(page);
  await page.goto(`/runs/${RUN_ID}`);
  const link = page.getByRole('link', { name: 'Playwright HTML report' });
  await expect(link).toHaveAttribute('href', FILES_URL);
  const report = await openTab(page, link);
  await expect(report).toHaveURL(FILES_URL);
  expect(await report.evaluate(() => window.opener)).toBeNull();
  // The report needs scripts and localStorage: it renders the run's tests.
  await expect(report.getByText('adds an item').first()).toBeVisible();
  await expect(report.getByText('fails on purpose').first()).toBeVisible();
  expect(await report.evaluate(() => window.isSecureContext)).toBe(true);
  // A test's page, then its trace: the trace viewer's service worker loads it from the same origin.
  await report.getByRole('link', { name: 'adds an item' }).first().click();
  await report.getByRole('link', { name: 'View Trace' }).first().click();
  await expectTraceActions(report);
  expect(await report.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length))
    .toBeGreaterThanOrEqual(1);
  await report.close();
});

test('a trace attached on its own opens in the report\'s trace viewer with one click from the run page', async ({ page }) => {
  await signIn(page);
  await page.goto(`/runs/${RUN_ID}`);
  const row = page.locator('details.test', { hasText: 'adds an item' }).first();
  await row.locator('summary').click();
  const trace = row.locator('a.k-trace').first();
  await expect(trace).toHaveAttribute('href', FILES_URL);
  const viewerLink = row.getByRole('link', { name: 'open in trace viewer' }).first();
  const href = await viewerLink.getAttribute('href');
  expect(href).toMatch(FILES_URL);
  expect(new URL(href).searchParams.get('trace')).toBe(await trace.getAttribute('href'));
  const viewer = await openTab(page, viewerLink);
  await expectTraceActions(viewer);
  await viewer.close();
});

test('a trace of a run without an HTML report opens in the uploaded trace viewer with one click', async ({ page }) => {
  await signIn(page);
  await page.goto(`/runs/${NO_REPORT_RUN_ID}`);
  await expect(page.getByRole('link', { name: 'Playwright HTML report' })).toHaveCount(0);
  const row = page.locator('details.test', { hasText: 'adds an item' }).first();
  await row.locator('summary').click();
  const trace = row.locator('a.k-trace').first();
  await expect(trace).toHaveAttribute('href', FILES_URL);
  const viewerLink = row.getByRole('link', { name: 'open in trace viewer' }).first();
  const href = await viewerLink.getAttribute('href');
  // The server's copy of the reporter's playwright-core viewer: /v/<capability>/<id>/ on the files origin.
  const VIEWER_URL = new RegExp(`^http://127\\.0\\.0\\.1:(?!${DASHBOARD_PORT}/)\\d+/v/[A-Za-z0-9_-]{60}/\\d+/index\\.html\\?trace=`);
  expect(href).toMatch(VIEWER_URL);
  expect(new URL(href).searchParams.get('trace')).toBe(await trace.getAttribute('href'));
  const viewer = await openTab(page, viewerLink);
  await expectTraceActions(viewer, VIEWER_URL);
  expect(await viewer.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length))
    .toBeGreaterThanOrEqual(1);
  await viewer.close();
});

test('a failed test shows its screenshot inline; the thumbnail opens in an overlay that Esc and Close close', async ({ page }) => {
  await signIn(page);
  await page.goto(`/runs/${NO_REPORT_RUN_ID}`);
  const row = page.locator('details.test', { hasText: 'adds an item' }).first();
  await row.locator('summary').click();
  const thumb = row.locator('a.media-thumb img').first();
  await expect(thumb).toHaveAttribute('loading', 'lazy');
  await expect(thumb).toHaveAttribute('src', FILES_URL);
  await thumb.scrollIntoViewIfNeeded();
  // The dashboard's policy lets the image in from the files origin, and the files origin lets it be embedded.
  await expect.poll(() => thumb.evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await thumb.click();
  const overlay = page.getByRole('dialog');
  await expect(overlay).toBeVisible();
  await expect.poll(() => overlay.locator('img').evaluate((img) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  await expect(overlay.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
  await thumb.click();
  await overlay.getByRole('button', { name: 'Close' }).click();
  await expect(overlay).toHaveCount(0);
  expect(page.url()).toContain(`/runs/${NO_REPORT_RUN_ID}`);

  // Screenshots for the docs, when asked: 1440 and 390 px wide, light and dark.
  const dir = process.env.SCREENSHOT_DIR;
  if (dir) {
    for (const [width, height] of [[1440, 900], [390, 844]]) {
      for (const scheme of ['light', 'dark']) {
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        await row.scrollIntoViewIfNeeded();
        await expect.poll(() => thumb.evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
        await page.screenshot({ path: `${dir}/media-${width}-${scheme}.png` });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      }
    }
    await thumb.click();
    await page.screenshot({ path: `${dir}/media-overlay-390-dark.png` });
    await page.keyboard.press('Escape');
  }
});

test('files cannot be framed by another site', async ({ page }) => {
  await signIn(page);
  const detail = await (await page.request.get(`/api/test-runs/${RUN_ID}`)).json();
  const report = detail.files.find((f) => f.kind === 'report');
  await page.goto('about:blank');
  await page.setContent(`<iframe id="f" src="${report.url}" width="600" height="400"></iframe>`);
  const frame = await (await page.locator('#f').elementHandle()).contentFrame();
  // Chromium replaces a frame refused by frame-ancestors with its error page.
  await expect.poll(() => frame.url()).toMatch(/^chrome-error:/);
  expect(await frame.locator('text=adds an item').count()).toBe(0);
});

test('a hostile report reads nothing, changes nothing and sees no session, with a signed-in viewer', async ({ page }) => {
  await signIn(page);
  const keysBefore = (await (await page.request.get('/api/keys')).json()).keys.length;
  await page.goto(`/runs/${HOSTILE_RUN_ID}`);
  const dashboardUrl = page.url();
  const link = page.getByRole('link', { name: 'Playwright HTML report' });
  await expect(link).toHaveAttribute('href', FILES_URL);
  const hostile = await openTab(page, link);
  await expect(hostile.locator('#results')).not.toHaveText('running', { timeout: 30_000 });
  const results = JSON.parse(await hostile.locator('#results').textContent());
  fs.writeFileSync(test.info().outputPath('hostile-results.json'), JSON.stringify(results, null, 2));

  // Nothing read: CORS gives it no answer, and a no-cors answer is opaque.
  expect(results.readRuns).toMatch(/^blocked/);
  expect(results.readMe).toMatch(/^blocked/);
  expect(results.readRunsOpaque).toBe('opaque 0 0 bytes');
  expect(results.createKeyJson).toMatch(/^blocked/);
  // No session visible, no opener to reach the dashboard's window.
  expect(results.cookie).not.toContain('runboard_session');
  expect(results.opener).toBe('none');
  // What the files origin does allow (a report needs it).
  expect(results.localStorage).toBe('stored');
  expect(results.formCreateKey).toMatch(/^submitted/);
  expect(results.formLogout).toMatch(/^submitted/);

  // Nothing changed: still signed in, no key made, the dashboard's tab where it was.
  await page.bringToFront();
  expect(page.url()).toBe(dashboardUrl);
  expect(await page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(200);
  const keys = (await (await page.request.get('/api/keys')).json()).keys;
  expect(keys.map((k) => k.name).filter((n) => n.startsWith('stolen'))).toEqual([]);
  expect(keys.length).toBe(keysBefore);
  await page.reload();
  await expect(page.getByRole('link', { name: 'Playwright HTML report' })).toBeVisible();
  await hostile.close();
});

test('the run page keeps its file links fresh: after the first URLs expired, the report still opens', async ({ page }) => {
  test.skip(!SHORT_TTL_URL, 'needs a node with a short files.urlTtl (SHORT_TTL_URL)');
  await signIn(page, SHORT_TTL_URL);
  await page.goto(`${SHORT_TTL_URL}/runs/${RUN_ID}`);
  const link = page.getByRole('link', { name: 'Playwright HTML report' });
  const first = await link.getAttribute('href');
  await page.waitForTimeout(4_000);
  expect((await page.request.get(first)).status(), 'the first URL has expired').toBe(403);
  const current = await link.getAttribute('href');
  expect(current, 'replaced before it expired').not.toBe(first);
  const report = await openTab(page, link);
  await expect(report.getByText('adds an item').first()).toBeVisible();
  await report.close();
});

test('a file link clicked after its URL expired (timers asleep) is refreshed before it opens', async ({ page }) => {
  test.skip(!SHORT_TTL_URL, 'needs a node with a short files.urlTtl (SHORT_TTL_URL)');
  await signIn(page, SHORT_TTL_URL);
  await page.clock.install();
  await page.goto(`${SHORT_TTL_URL}/runs/${RUN_ID}`);
  const link = page.getByRole('link', { name: 'Playwright HTML report' });
  await expect(link).toBeVisible();
  // Like a laptop asleep: the page's timers stop while the URLs expire.
  await page.clock.pauseAt(Date.now() + 200);
  const stale = await link.getAttribute('href');
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  expect((await page.request.get(stale)).status(), 'the URL on the page has expired').toBe(403);
  expect(await link.getAttribute('href')).toBe(stale);
  await page.clock.setSystemTime(Date.now());
  const report = await openTab(page, link);
  await expect(report.getByText('adds an item').first()).toBeVisible();
  expect(report.url()).not.toBe(stale);
  await report.close();
});
