// Retention in the dashboard: storage use and per-project settings on the admin page (wide and phone widths), the
// project page's retention form, and pinning a run on its page. Runs after dashboard.spec.js (files run in order);
// it sets the server up itself when it runs alone.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');
const { Reporter, attempt, call } = require('./ingest');

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const SHOTS = path.join(__dirname, '..', 'screenshots');
const PROJECT = 'retention-shop';

test.describe.configure({ mode: 'serial' });

let runs;
let problems;

test.beforeAll(async () => {
  const { setupRequired } = await call('/api/auth/setup', { method: 'GET' });
  if (setupRequired) await call('/api/auth/setup', { body: ADMIN });
  const login = await fetch(`${process.env.BASE_URL || 'http://127.0.0.1:3000'}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ADMIN) });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { key } = await call('/api/keys', { headers: { Cookie: cookie }, body: { name: 'retention e2e' } });
  const reporter = new Reporter(key);
  runs = [];
  for (const status of ['passed', 'failed', 'passed']) {
    const run = await reporter.start(PROJECT, { metadata: { scm: { branch: 'main' } } });
    await run.events([attempt('tests/cart.spec.ts', ['cart', 'adds an item'], status),
      attempt('tests/cart.spec.ts', ['cart', 'removes an item'], 'passed')]);
    await run.finish(status);
    runs.push(run);
  }
});

test.beforeEach(async ({ page }) => {
  problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
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

test('the admin page shows storage use per project and edits its retention', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  await page.goto('/admin');
  const row = page.locator(`#usage tr[data-project-id="${runs[0].projectId}"]`);
  await expect(row).toContainText(PROJECT);
  // runs, pinned, results, attempts
  await expect(row.locator('td.num').nth(0)).toHaveText('3');
  await expect(row.locator('td.num').nth(1)).toHaveText('0');
  await expect(row.locator('td.num').nth(2)).toHaveText('6');
  await expect(row.locator('td.num').nth(3)).toHaveText('6');
  await expect(row).toContainText('runs forever · no run limit · files as long as their run');

  await row.getByRole('button', { name: `Edit the retention of ${PROJECT}` }).click();
  const form = page.locator(`form.retention-form[data-project-id="${runs[0].projectId}"]`);
  await expect(form.getByLabel('Keep runs (days)')).toBeFocused();
  await form.getByLabel('Keep newest runs').fill('200');
  await form.getByLabel('Keep files (days)').fill('14');
  await form.getByRole('button', { name: 'Save retention' }).click();
  await expect(row).toContainText('runs forever · newest 200 runs · files 14 days');
  await expect(form).toBeHidden();
  // Screenshots last: a click right after a full-page screenshot can miss in Chromium.
  await row.getByRole('button', { name: `Edit the retention of ${PROJECT}` }).click();
  await expect(form.getByLabel('Keep newest runs')).toHaveValue('200');
  await shot(page, 'retention-admin-1440');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  const narrow = page.locator(`#usage tr[data-project-id="${runs[0].projectId}"]`);
  await expect(narrow).toContainText('newest 200 runs');
  await narrow.getByRole('button', { name: `Edit the retention of ${PROJECT}` }).click();
  await expect(page.getByRole('button', { name: 'Save retention' })).toBeInViewport();
  await shot(page, 'retention-admin-390');
});

test('the project page shows the retention kept and saves a change; the server\'s refusal names the field', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto(`/projects/${runs[0].projectId}`);
  const box = page.locator('#retention');
  await expect(box).toContainText('Kept: runs forever · newest 200 runs · files 14 days.');
  const form = box.locator('form.retention-form');
  await expect(form.getByLabel('Keep newest runs')).toHaveValue('200');
  await form.getByLabel('Keep runs (days)').fill('90');
  await form.getByLabel('Keep files (days)').fill('');
  await form.getByRole('button', { name: 'Save retention' }).click();
  await expect(box).toContainText('Kept: runs 90 days · newest 200 runs · files as long as their run.');

  // The browser lets a too-large number through its own checks only when the field has no max; the server's 400
  // is shown next to the field it names.
  await form.getByLabel('Keep runs (days)').evaluate((input) => input.removeAttribute('max'));
  await form.getByLabel('Keep runs (days)').fill('40000');
  await form.getByRole('button', { name: 'Save retention' }).click();
  await expect(box.getByRole('alert')).toContainText('runsDays is out of range');
  await expect(form.getByLabel('Keep runs (days)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#toast')).not.toHaveClass(/show/);
  await box.scrollIntoViewIfNeeded();
  await shot(page, 'retention-project-390');
  problems = problems.filter((p) => !p.includes('400'));
});

test('an administrator pins a run on its page; the pin shows there and in run lists', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page);
  const run = runs[1];
  await page.goto(`/runs/${run.id}`);
  const pin = page.locator('#pin-run');
  await expect(pin).toHaveText('Pin run');
  await expect(pin).toHaveAttribute('aria-pressed', 'false');
  await pin.click();
  await expect(page.locator('#pin-run')).toHaveText('Unpin run');
  await expect(page.locator('#pin-run')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('h1 .pin-mark')).toHaveText('pinned');
  await shot(page, 'run-pinned');
  await page.reload();
  await expect(page.locator('h1 .pin-mark')).toHaveText('pinned');
  await page.goto(`/projects/${run.projectId}`);
  await expect(page.locator(`tr[data-run-id="${run.id}"] .pin-mark`)).toHaveText('pinned');
  await expect(page.locator(`tr[data-run-id="${runs[0].id}"] .pin-mark`)).toHaveCount(0);
  await page.goto('/admin');
  await expect(page.locator(`#usage tr[data-project-id="${run.projectId}"] td.num`).nth(1)).toHaveText('1');
});
