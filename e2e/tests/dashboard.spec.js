// The dashboard in a real browser against a real, freshly started server (BASE_URL): setup, login, the live feed,
// the live run detail, safety of attacker-controlled text, deep links, keyboard navigation, sharded builds, the
// triage view (failures grouped by error, deep links to a failure, grouping modes, chip counts) and phone widths.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');
const { Reporter, attempt, begin } = require('./ingest');

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const XSS = '<img src=x onerror=alert(1)>';
const ANSI_ERROR = '\u001b[31mExpected\u001b[39m: \u001b[32m"Checkout"\u001b[39m\nReceived: "Cart"';
const SHOTS = path.join(__dirname, '..', 'screenshots');

test.describe.configure({ mode: 'serial' });

let reporterKey;
let run;
let problems;

test.beforeEach(async ({ page }) => {
  problems = [];
  page.on('console', (message) => {
    // failure-context and compare are optional routes (another branch adds them): the page copes with their 404.
    if (message.type() === 'error' && !/\/(failure-context|compare)\b/.test(message.location().url || '')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
});

test.afterEach(async () => {
  expect(problems, 'no console errors, page errors or dialogs').toEqual([]);
});

async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
}

test('first-run setup, then sign out, sign in and land on the runs feed', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Welcome to Runboard' })).toBeVisible();
  await shot(page, 'setup');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Repeat the password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await expect(page.locator('#whoami')).toContainText(ADMIN.username);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await shot(page, 'login');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill('wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong username or password');
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await expect(page.getByText('No runs yet')).toBeVisible();
  // The 401 of /api/auth/me before setup and the wrong password are expected answers, not page errors.
  problems = problems.filter((p) => !p.includes('401'));
});

test('an administrator creates a reporter account and its API key, shown once with a copy button', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
  const userForm = page.locator('#new-user');
  await userForm.getByLabel('Username').fill('ci-bot');
  await userForm.getByLabel('Password').fill('another long secret');
  await userForm.getByLabel('Role').selectOption('reporter');
  await userForm.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('#users')).toContainText('ci-bot');

  const keyForm = page.locator('form', { has: page.getByRole('button', { name: 'Create key' }) });
  await keyForm.getByLabel('Name').fill('CI pipeline');
  await keyForm.getByLabel('For account').selectOption({ label: 'ci-bot (reporter)' });
  await keyForm.getByRole('button', { name: 'Create key' }).click();
  const key = page.getByLabel('The new API key');
  await expect(key).toHaveValue(/^rb_/);
  await expect(page.getByRole('button', { name: 'Copy' })).toBeVisible();
  reporterKey = await key.inputValue();
  await shot(page, 'admin');
});

test('a run fed through the ingest API appears in the feed and its progress moves live, without a reload', async ({ page }) => {
  await signIn(page);
  await expect(page.locator('#live-status')).toHaveText('live');
  await page.evaluate(() => { window.notReloaded = true; });

  run = await new Reporter(reporterKey).start('shop', {
    expectedTests: 5,
    metadata: { scm: { branch: 'feature/checkout', commit: '3f9a1c27be04d1' }, ci: { name: 'GitHub Actions', buildNumber: 42 } },
  });
  const row = page.locator(`tr[data-run-id="${run.id}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('running');
  await expect(row).toContainText('feature/checkout');
  await expect(row).toContainText('3f9a1c2');

  await run.events([attempt('tests/auth.spec.ts', ['auth', 'logs in'], 'passed'),
    attempt('tests/auth.spec.ts', ['auth', 'logs out'], 'passed')]);
  await expect(row).toContainText('2/5');
  await expect(row.locator('.seg-passed')).toBeVisible();
  await shot(page, 'feed-live');
  expect(await page.evaluate(() => window.notReloaded)).toBe(true);
});

test('the run detail shows results arriving live: running tests, a failure without ANSI escapes, a flaky test, titles as text', async ({ page }) => {
  await signIn(page);
  await page.locator(`a.run-link[href="/runs/${run.id}"]`).click();
  await expect(page.locator('h1')).toContainText(`Run #${run.id}`);
  await expect(page.locator('#live-status')).toHaveText('live');
  await page.evaluate(() => { window.notReloaded = true; });
  await expect(page.locator('details.test')).toHaveCount(2);
  await expect(page.locator('#shards'), 'an unsharded run has no shard chips').toBeHidden();

  await run.events([begin('tests/checkout.spec.ts', ['checkout', 'pays by card'])]);
  const paying = page.locator('details.test', { hasText: 'pays by card' });
  await expect(paying).toHaveAttribute('data-status', 'running');

  await run.events([
    attempt('tests/checkout.spec.ts', ['checkout', 'pays by card'], 'failed', {
      duration: 3400, error: { message: ANSI_ERROR, stack: `Error: expect(received)\n    at tests/checkout.spec.ts:12:7` },
      steps: [{ title: 'click Pay', duration: 120, category: 'pw:api' }],
    }),
    attempt('tests/checkout.spec.ts', ['checkout', 'applies a coupon'], 'failed', { retry: 0, error: 'timeout' }),
    attempt('tests/checkout.spec.ts', ['checkout', 'applies a coupon'], 'passed', { retry: 1 }),
    attempt('tests/xss.spec.ts', ['rendering', XSS], 'passed'),
    attempt('tests/checkout.spec.ts', ['checkout', 'known bug'], 'failed', {
      expectedStatus: 'failed', error: { message: 'the known bug is still there' },
    }),
  ]);
  await expect(paying).toHaveAttribute('data-status', 'failed');
  await expect(paying.locator('.err-preview')).toHaveText('Expected: "Checkout"');
  await expect(paying.locator('.err-preview')).toBeVisible();
  await paying.locator('summary').click();
  const message = paying.locator('pre.error-message');
  await expect(message).toContainText('Expected: "Checkout"\nReceived: "Cart"');
  expect(await message.textContent()).not.toContain('\u001b');
  expect(await message.textContent()).not.toContain('[31m');
  await expect(message.locator('.ansi-fg31')).toHaveText('Expected');
  await expect(paying).toContainText('click Pay');

  const coupon = page.locator('details.test', { hasText: 'applies a coupon' });
  await expect(coupon).toHaveAttribute('data-status', 'flaky');
  await expect(coupon.locator('.flaky-mark')).toHaveText('flaky');
  await expect(coupon).toContainText('1 retry');

  // test.fail(): an expected failure is not a failure, and it is not in the Failed filter.
  const knownBug = page.locator('details.test', { hasText: 'known bug' });
  await expect(knownBug).toHaveAttribute('data-status', 'expectedFailure');
  await expect(knownBug.locator('.badge')).toHaveText('expected failure');

  const xss = page.locator('details.test', { hasText: XSS });
  await expect(xss.locator('.test-title')).toHaveText(`rendering › ${XSS}`);
  await expect(page.locator('#results img')).toHaveCount(0);

  await expect(page.locator('.summary-bar')).toContainText('1');
  await page.locator('[data-filter="failed"]').click();
  await expect(page.locator('details.test')).toHaveCount(1);
  await expect(page).toHaveURL(/status=failed/);
  await page.locator('[data-filter="all"]').click();

  await run.finish('failed', 5400);
  await expect(page.locator('h1 .badge')).toHaveText('failed');
  await expect(page.locator('details.test')).toHaveCount(6);
  expect(await page.evaluate(() => window.notReloaded)).toBe(true);
  await shot(page, 'run-detail');
});

test('a deep link reloads to the same page and state', async ({ page }) => {
  await signIn(page);
  await page.goto(`/runs/${run.id}?status=failed&group=describe`);
  await expect(page.locator('h1')).toContainText(`Run #${run.id}`);
  await page.reload();
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}\\?status=failed&group=describe$`));
  await expect(page.locator('h1')).toContainText(`Run #${run.id}`);
  await expect(page.locator('[data-filter="failed"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('details.test')).toHaveCount(1);
  await expect(page.locator('#group')).toHaveValue('describe');
});

test('keyboard navigation reaches the runs', async ({ page }) => {
  await signIn(page);
  await expect(page.locator('a.run-link').first()).toBeVisible();
  await page.keyboard.press('j');
  await expect(page.locator('a.run-link').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('h1')).toContainText(`Run #${run.id}`);
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  let reached = false;
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('run-link'));
  }
  expect(reached, 'Tab reaches a run link').toBe(true);
});

test('project, test history, account pages render (screenshots in both themes)', async ({ page }) => {
  await signIn(page);
  // A second, passing run gives the charts two points.
  const second = await new Reporter(reporterKey).start('shop', { metadata: { scm: { branch: 'main', commit: '77aa01' } } });
  await second.events([attempt('tests/auth.spec.ts', ['auth', 'logs in'], 'passed', { duration: 140 }),
    attempt('tests/checkout.spec.ts', ['checkout', 'pays by card'], 'passed', { duration: 2900 })]);
  await second.finish('passed', 3100);

  await page.goto(`/projects/${run.projectId}`);
  await expect(page.getByRole('heading', { name: 'shop' })).toBeVisible();
  await expect(page.locator('.chart canvas').first()).toBeVisible();
  await expect(page.getByText('applies a coupon').first()).toBeVisible();
  await shot(page, 'project');

  await page.getByRole('link', { name: 'checkout › pays by card' }).first().click();
  await expect(page.locator('h1')).toHaveText('checkout › pays by card');
  await expect(page.locator('.strip .cell')).toHaveCount(2);
  await shot(page, 'test-history');

  await page.goto('/me');
  await expect(page.locator('#me-username')).toHaveText(ADMIN.username);
  await shot(page, 'me');

  await page.goto('/projects');
  await expect(page.getByRole('link', { name: 'shop' })).toBeVisible();
  await shot(page, 'projects');

  await page.getByRole('button', { name: /Theme/ }).click();
  await page.getByRole('button', { name: /Theme/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.goto('/');
  await expect(page.locator('a.run-link').first()).toBeVisible();
  await shot(page, 'feed-dark');
  await page.goto(`/runs/${run.id}`);
  await expect(page.locator('details.test')).toHaveCount(6);
  await page.locator('details.test', { hasText: 'pays by card' }).locator('summary').click();
  await shot(page, 'run-detail-dark');
  await page.goto(`/projects/${run.projectId}`);
  await expect(page.locator('.chart canvas').first()).toBeVisible();
  await shot(page, 'project-dark');
});

test('the shards of one CI build are one run: one feed row, shard chips that follow each shard live', async ({ page }) => {
  await signIn(page);
  await expect(page.locator('#live-status')).toHaveText('live');
  const reporter = new Reporter(reporterKey);
  const shard = (current) => reporter.start('storefront', { buildId: 'gh-8812-1', shard: { current, total: 3 },
    expectedTests: 2, metadata: { scm: { branch: 'main', commit: 'c0ffee42d00d' } } });
  const one = await shard(1);
  const two = await shard(2);
  expect(two.id).toBe(one.id);
  expect(two.shard).toEqual({ current: 2, total: 3 });

  // The feed: one row for the build, its shards counted live.
  const feedRow = page.locator('#runs tr', { hasText: 'storefront' });
  await expect(feedRow).toHaveCount(1);
  await expect(feedRow.locator('.shards-note')).toHaveText('0/3 shards done');
  await one.events([attempt('tests/cart.spec.ts', ['cart', 'adds an item'], 'passed'),
    attempt('tests/cart.spec.ts', ['cart', 'removes an item'], 'failed', { error: { message: 'still in the cart' } })]);
  await one.finish('failed');
  await expect(feedRow.locator('.shards-note')).toHaveText('1/3 shards done');
  await expect(feedRow).toContainText('running');

  // The run page: a chip per shard, shard 3 missing until it starts.
  await feedRow.locator('a.run-link').click();
  await expect(page.locator('h1')).toContainText(`Run #${one.id}`);
  await expect(page.locator('#live-status')).toHaveText('live');
  await page.evaluate(() => { window.notReloaded = true; });
  const chip = (n) => page.locator(`#shards .shard[data-shard="${n}"]`);
  await expect(page.locator('#shards .shard')).toHaveCount(3);
  await expect(chip(1)).toHaveAttribute('data-state', 'failed');
  await expect(chip(1).locator('.shard-count')).toHaveText('2/2');
  await expect(chip(2)).toHaveAttribute('data-state', 'running');
  await expect(chip(3)).toHaveAttribute('data-state', 'missing');
  await expect(chip(3).locator('.badge')).toHaveText('missing');
  await expect(page.locator('#shards h2')).toContainText('1 of 3 done · 1 running · 1 not started');

  // Results of another shard arrive live; shard 3 starts, sends and finishes, all without a reload.
  await two.events([attempt('tests/search.spec.ts', ['search', 'finds a product'], 'passed')]);
  await expect(page.locator('details.test', { hasText: 'finds a product' })).toHaveAttribute('data-status', 'passed');
  await expect(page.locator('details.test', { hasText: 'removes an item' })).toHaveAttribute('data-status', 'failed');
  await expect(chip(2).locator('.shard-count')).toHaveText('1/2');
  const three = await shard(3);
  await expect(chip(3)).toHaveAttribute('data-state', 'running');
  await expect(chip(3).locator('.badge')).toHaveText('running');
  await three.events([attempt('tests/account.spec.ts', ['account', 'changes the address'], 'passed'),
    attempt('tests/account.spec.ts', ['account', 'shows orders'], 'passed')]);
  await three.finish('passed');
  await expect(chip(3)).toHaveAttribute('data-state', 'passed');
  await expect(chip(3).locator('.badge')).toHaveText('passed');
  await expect(page.locator('h1 .badge')).toHaveText('running');
  await shot(page, 'run-shards-live');

  // The last shard ends the run, with the worst shard status.
  await two.events([attempt('tests/search.spec.ts', ['search', 'filters by price'], 'passed')]);
  await two.finish('passed');
  await expect(page.locator('h1 .badge')).toHaveText('failed');
  await expect(chip(2)).toHaveAttribute('data-state', 'passed');
  await expect(page.locator('#shards h2')).toContainText('3 of 3 done');
  await expect(page.locator('details.test')).toHaveCount(6);
  await expect(page.locator('#live-status')).toHaveText('');
  expect(await page.evaluate(() => window.notReloaded)).toBe(true);
  await shot(page, 'run-shards');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(chip(3)).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no horizontal overflow at 390 px')
    .toBeLessThanOrEqual(390);
  await shot(page, 'run-shards-narrow');

  await page.goto('/');
  await expect(feedRow).toHaveCount(1);
  await expect(feedRow.locator('.badge').first()).toHaveText('failed');
  await expect(feedRow.locator('.shards-note')).toHaveText('3 shards');
});

test('triage: failures first, grouped by error live, chips count what they show, every grouping mode, a deep link to a failure',
  async ({ page }) => {
    await signIn(page);
    const reporter = new Reporter(reporterKey);
    const triage = await reporter.start('triage', { metadata: {
      scm: { branch: 'feature/cart', commit: 'abcdef1234567890', remote: 'git@github.com:acme/shop.git' },
      ci: { name: 'GitHub Actions', buildUrl: 'https://github.com/acme/shop/actions/runs/8812', buildNumber: 8812, pullRequest: '417' },
    } });
    const refused = (port) => ({ message: `Error: page.goto: net::ERR_CONNECTION_REFUSED at http://localhost:${port}/cart` });
    await triage.events([
      attempt('tests/auth.spec.ts', ['auth', 'logs in'], 'passed'),
      ...[1, 2, 3, 4].map((n) => attempt(`tests/cart-${n}.spec.ts`, ['cart', `opens the cart ${n}`], 'failed', { error: refused(40000 + n) })),
      attempt('tests/price.spec.ts', ['price', 'shows the total'], 'failed', { error: { message: 'Expected: 10\nReceived: 12' } }),
      attempt('tests/search.spec.ts', ['search', 'finds'], 'failed', { retry: 0, error: { message: 'socket hang up' } }),
      attempt('tests/search.spec.ts', ['search', 'finds'], 'passed', { retry: 1 }),
      attempt('tests/search.spec.ts', ['search', 'filters'], 'passed'),
      attempt('tests/search.spec.ts', ['search', 'sorts'], 'skipped'),
    ]);
    await page.goto(`/runs/${triage.id}`);
    await expect(page.locator('#live-status')).toHaveText('live');
    // No expectedTests: the bar does not claim to be full.
    await expect(page.locator('.summary-bar .progress')).toHaveClass(/indeterminate/);
    await expect(page.locator('.summary-bar .progress .seg')).toHaveCount(0);
    // Metadata as links.
    await expect(page.getByRole('link', { name: 'GitHub Actions #8812' })).toHaveAttribute('href', 'https://github.com/acme/shop/actions/runs/8812');
    await expect(page.locator('a[href="https://github.com/acme/shop/commit/abcdef1234567890"]')).toHaveText('abcdef1');
    await expect(page.getByRole('link', { name: 'PR #417' })).toHaveAttribute('href', 'https://github.com/acme/shop/pull/417');

    // Failures on top, the four refused connections (one fingerprint per file) in one group titled by its signature.
    const first = page.locator('#results > section').first();
    await expect(first).toHaveAttribute('id', 'failures');
    const refusedGroup = page.locator('#failures details.group', { hasText: 'ERR_CONNECTION_REFUSED' });
    await expect(refusedGroup).toHaveCount(1);
    await expect(refusedGroup.locator('.signature')).toContainText('localhost:<port>/cart');
    await expect(refusedGroup.locator('.group-count')).toHaveText('4 tests');
    await expect(page.locator('#failures details.group').first()).toContainText('ERR_CONNECTION_REFUSED');
    // Live: one more of the same error joins the group.
    await triage.events([attempt('tests/cart-5.spec.ts', ['cart', 'opens the cart 5'], 'failed', { error: refused(40005) })]);
    await expect(refusedGroup.locator('.group-count')).toHaveText('5 tests');
    await refusedGroup.locator('summary').first().click();
    await expect(refusedGroup.locator('details.test')).toHaveCount(5);

    // Chips count exactly what their filter shows (flaky tests are not in Passed).
    await page.locator('#group').selectOption('none');
    await expect(page).toHaveURL(/group=none/);
    const expected = { all: 10, failed: 6, flaky: 1, running: 0, passed: 2, skipped: 1 };
    for (const [key, n] of Object.entries(expected)) {
      await page.locator(`[data-filter="${key}"]`).click();
      await expect(page.locator(`[data-filter="${key}"] .n`)).toHaveText(String(n));
      await expect(page.locator('#results details.test')).toHaveCount(n);
    }
    await page.locator('[data-filter="all"]').click();

    // Every grouping mode draws, also from a fresh load.
    for (const mode of ['none', 'file', 'describe', 'error']) {
      await page.goto(`/runs/${triage.id}?group=${mode}`);
      await expect(page.locator('#group')).toHaveValue(mode);
      await expect(page.locator('#failures')).toBeVisible();
      await expect(page.getByText('This run has no results.')).toHaveCount(0);
    }
    await page.goto(`/runs/${triage.id}?group=file`);
    await expect(page.locator('#rest details.group[data-group="R:file:tests/search.spec.ts"] details.test')).toHaveCount(3);

    // A deep link to one failure opens its group and the failure, and scrolls to it; the Link button makes it.
    await page.goto(`/runs/${triage.id}`);
    const target = refusedGroup.locator('details.test', { hasText: 'opens the cart 3' });
    await refusedGroup.locator('summary').first().click();
    await target.locator('.copy-link').click();
    await expect(page).toHaveURL(/#test-\d+$/);
    const url = page.url();
    await triage.finish('failed');
    await page.goto('/');
    await page.goto(url);
    await expect(target).toHaveAttribute('open', '');
    await expect(target).toHaveClass(/target/);
    await expect(target).toBeInViewport();
    await expect(target.locator('pre.error-message')).toContainText('localhost:40003');
    await expect(page.locator('h1 .badge')).toHaveText('failed');
  });

const noOverflow = async (page, what) => {
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  expect(width.scroll, `${what}: no horizontal overflow`).toBeLessThanOrEqual(width.inner);
};

test('the feed filters by project, branch prefix, status and text, keeps them in the URL and applies them to live runs',
  async ({ page }) => {
    await signIn(page);
    const reporter = new Reporter(reporterKey);
    const meta = (branch, commit, message) => ({ metadata: { scm: { branch, commit, message } } });
    const release = await reporter.start('finder', meta('release/1.2', 'deadbeef1234', 'Bump checkout'));
    await release.events([attempt('tests/checkout.spec.ts', ['checkout', 'pays by card'], 'passed')]);
    await release.finish('passed');
    const other = await reporter.start('finder', meta('main', 'abad1dea5678', 'Checkout: 3-D Secure'));
    await other.finish('passed');

    // From the URL: branch prefix and text together.
    await page.goto('/?branch=release/&q=CHECKOUT');
    await expect(page.locator('#feed-branch')).toHaveValue('release/');
    await expect(page.locator('#feed-q')).toHaveValue('CHECKOUT');
    const rows = page.locator('#runs tr[data-run-id]');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-run-id', String(release.id));
    await expect(page.locator('#live-status')).toHaveText('live');

    // Live: a matching run appears, one on another branch does not.
    const elsewhere = await reporter.start('finder', meta('main', 'feedface9999', 'Checkout on main'));
    const next = await reporter.start('finder', meta('release/1.3', 'cafe00001111', 'Checkout totals'));
    await expect(page.locator(`#runs tr[data-run-id="${next.id}"]`)).toBeVisible();
    await expect(page.locator(`#runs tr[data-run-id="${elsewhere.id}"]`)).toHaveCount(0);
    await expect(rows).toHaveCount(2);

    // A status filter: the running run leaves; once it fails, it comes back live.
    await page.locator('#feed-status').selectOption('failed');
    await expect(page).toHaveURL(/status=failed/);
    await expect(page).toHaveURL(/branch=release%2F/);
    await expect(rows).toHaveCount(0);
    await expect(page.getByText('No run matches these filters.')).toBeVisible();
    await next.events([attempt('tests/checkout.spec.ts', ['checkout', 'pays by card'], 'failed', { error: { message: 'declined' } })]);
    await next.finish('failed');
    await expect(page.locator(`#runs tr[data-run-id="${next.id}"]`)).toBeVisible();
    await expect(rows).toHaveCount(1);

    // Typing searches (a run number too), the project select narrows, Clear shows everything again.
    await page.locator('#feed-status').selectOption('');
    await page.locator('#feed-branch').fill('');
    await page.locator('#feed-q').fill(`#${other.id}`);
    await expect(page).toHaveURL(new RegExp(`q=%23${other.id}`));
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-run-id', String(other.id));
    await page.locator('#feed-q').fill('3-d secure');
    await expect(rows).toHaveCount(1);
    await page.locator('#feed-q').fill('50%_off');
    await expect(rows).toHaveCount(0);
    await page.locator('#feed-clear').click();
    await expect(page).toHaveURL(/\/$/);
    await expect(rows.first()).toHaveAttribute('data-run-id', String(next.id));
    const finderId = String(release.projectId);
    await page.locator('#feed-project').selectOption(finderId);
    await expect(page).toHaveURL(new RegExp(`project=${finderId}`));
    await expect(rows).toHaveCount(4);
    await elsewhere.finish('passed');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/?project=${finderId}&branch=release/&status=failed&q=checkout`);
    await expect(rows).toHaveCount(1);
    await expect(page.locator('#feed-project')).toHaveValue(finderId);
    await noOverflow(page, 'filtered feed at 390 px');
  });

test('a project page filters trends, runs, flaky and slowest tests by branch, and finds tests by title or file',
  async ({ page }) => {
    await signIn(page);
    const reporter = new Reporter(reporterKey);
    const onBranch = (branch) => reporter.start('finder-2', { metadata: { scm: { branch, commit: `c${branch.length}aa` } } });
    const results = [['passed', 'failed'], ['failed', 'passed'], ['passed', 'passed']];
    const runs = [];
    for (const [i, [first, second]] of results.entries()) {
      const r = await onBranch(i < 2 ? 'feature/totals' : 'main');
      await r.events([attempt('tests/totals.spec.ts', ['totals', 'rounds half up'], first,
        first === 'failed' ? { error: { message: 'Expected: 1.5' } } : {}),
      attempt('tests/cart_50%.spec.ts', ['cart', 'applies 50% off'], second,
        second === 'failed' ? { error: { message: 'Expected: 5' } } : {})]);
      await r.finish(first === 'failed' || second === 'failed' ? 'failed' : 'passed');
      runs.push(r);
    }
    const projectId = runs[0].projectId;

    await page.goto(`/projects/${projectId}?branch=feature/totals`);
    await expect(page.locator('#project-branch')).toHaveValue('feature/totals');
    await expect(page.getByRole('heading', { name: 'Trends (last 50 runs on feature/totals)' })).toBeVisible();
    await expect(page.locator('#runs tr')).toHaveCount(2);
    await expect(page.getByRole('heading', { name: 'Slowest tests (last 20 runs on feature/totals)' })).toBeVisible();
    await page.locator('#project-branch').fill('main');
    await page.locator('#project-branch').press('Enter');
    await expect(page).toHaveURL(/branch=main/);
    await expect(page.locator('#runs tr')).toHaveCount(1);
    await expect(page.locator('#runs tr a.run-link')).toHaveText(`#${runs[2].id}`);
    await page.locator('#project-branch-clear').click();
    await expect(page.locator('#runs tr')).toHaveCount(3);
    await expect(page).not.toHaveURL(/branch=/);

    // Tests by title or file: each with its last results, oldest first, linked to its history.
    await page.locator('#test-search').fill('HALF UP');
    const found = page.locator('#test-results tbody tr');
    await expect(found).toHaveCount(1);
    await expect(page).toHaveURL(/test=HALF\+UP|test=HALF%20UP/);
    const cells = found.first().locator('.mini-strip .cell');
    await expect(cells).toHaveCount(3);
    await expect(cells.nth(0)).toHaveClass(/st-passed/);
    await expect(cells.nth(1)).toHaveClass(/st-failed/);
    await expect(cells.nth(1)).toHaveAttribute('href', `/runs/${runs[1].id}`);
    await page.locator('#test-search').fill('cart_50%');
    await expect(found).toHaveCount(1);
    await expect(found.first()).toContainText('applies 50% off');
    await page.locator('#test-search').fill('_50');
    await expect(found).toHaveCount(1);
    await page.locator('#test-search').fill('totals_spec');
    await expect(page.locator('#test-results')).toContainText('No test title or file contains');
    await page.locator('#test-search').fill('rounds');
    await expect(found).toHaveCount(1);
    await page.setViewportSize({ width: 390, height: 844 });
    await noOverflow(page, 'project page with found tests at 390 px');
    await found.first().locator('a[href^="/tests/"]').click();
    await expect(page).toHaveURL(/\/tests\/\d+$/);
    await expect(page.locator('h1')).toContainText('rounds half up');
    await noOverflow(page, 'test history at 390 px');
  });

test('a large run draws its first rows only, the others as they are scrolled near, and a deep link past them opens its test',
  async ({ page }) => {
    await signIn(page);
    const big = await new Reporter(reporterKey).start('big-run');
    const step = (i) => ['big', `step ${String(i).padStart(3, '0')}`];
    await big.events(Array.from({ length: 150 }, (_, i) => attempt('tests/big.spec.ts', step(i), i === 3 ? 'failed' : 'passed',
      i === 3 ? { error: { message: 'Error: boom' } } : {})));
    await big.finish('failed');
    const { results } = await (await page.request.get(`/api/test-runs/${big.id}/results?q=step%20140`)).json();
    const deep = results[0].testId;

    await page.goto(`/runs/${big.id}?group=none`);
    const rest = page.locator('#rest details.test');
    await expect(page.locator('#failures details.test')).toHaveCount(1);
    // One draw builds 40 rows in all: the failure and 39 others, then a button that draws more near the viewport.
    await expect(rest).toHaveCount(39);
    await expect(page.locator('#rest .more-rows')).toHaveText('Show 100 more of 110');
    // Scrolled to the bottom (the page may still redraw once group titles and labels arrive): 100 more, then the rest.
    const toBottom = (n) => expect(async () => {
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await expect(rest).toHaveCount(n, { timeout: 1000 });
    }).toPass();
    await toBottom(139);
    await toBottom(149);
    await expect(page.locator('#rest .more-rows')).toHaveCount(0);

    // A link to test 140 draws the rows up to it at once, opens it and scrolls to it.
    await page.goto('/');
    await page.goto(`/runs/${big.id}?group=none#test-${deep}`);
    const target = page.locator(`#test-${deep}`);
    await expect(target).toHaveAttribute('open', '');
    await expect(target).toBeInViewport();
    await expect(target).toContainText('step 140');
  });

test('no page overflows horizontally at 390 px', async ({ page }) => {
  await signIn(page);
  await page.setViewportSize({ width: 390, height: 844 });
  const runId = run.id;
  await page.goto(`/runs/${runId}`);
  const testId = (await page.locator('details.test[id^="test-"]').first().getAttribute('id')).slice('test-'.length);
  const pages = [['/', 'a.run-link'], ['/projects', 'a[href^="/projects/"]'], [`/projects/${run.projectId}`, '.chart canvas'],
    [`/runs/${runId}`, 'details.test'], [`/runs/${runId}?group=none`, 'details.test'], [`/runs/${runId}/compare`, 'h1 + p, h1 ~ p'],
    [`/tests/${testId}`, '.strip .cell'], ['/admin', '#users'], ['/me', '#me-username']];
  for (const [url, ready] of pages) {
    await page.goto(url);
    await expect(page.locator(ready).first()).toBeVisible();
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    expect(width.scroll, `${url}: no horizontal overflow at 390 px`).toBeLessThanOrEqual(width.inner);
  }
});
