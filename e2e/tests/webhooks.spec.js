// A project's webhooks in the dashboard: an administrator adds one (the secret is shown once), sees a private address
// refused, sends a test and reads it in the delivery log, disables and deletes it. Runs after dashboard.spec.js
// (same server); makes the administrator itself when the server has no account yet.
const { test, expect } = require('@playwright/test');
const fs = require('fs');
const path = require('path');
const { Reporter, call } = require('./ingest');

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const SHOTS = path.join(__dirname, '..', 'screenshots');

test.describe.configure({ mode: 'serial' });

test('an administrator manages a project\'s webhooks and reads their delivery log', async ({ page }) => {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  const setup = await call('/api/auth/setup', { method: 'GET' });
  if (setup.setupRequired) await call('/api/auth/setup', { body: ADMIN });

  await page.goto('/login');
  await page.getByLabel('Username').fill(ADMIN.username);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  const key = await page.request.post('/api/keys', { data: { name: 'webhooks e2e' } });
  expect(key.status()).toBe(201);
  const run = await new Reporter((await key.json()).key).start('webhooks-e2e');
  await run.finish('passed');

  await page.goto(`/projects/${run.projectId}`);
  await page.getByRole('link', { name: 'Settings and webhooks' }).click();
  await expect(page.getByRole('heading', { name: 'webhooks-e2e: settings' })).toBeVisible();
  await expect(page.getByText('No webhooks yet.')).toBeVisible();

  const form = page.locator('form.webhook-form').first();
  await form.getByLabel('URL').fill('http://127.0.0.1:9/hook');
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByRole('alert')).toContainText('webhooks.allowPrivate is off');

  await form.getByLabel('URL').fill('https://hooks.example.invalid/runboard');
  await form.getByLabel('Name').fill('e2e hook');
  await form.getByLabel('Format').selectOption('slack');
  await form.getByLabel('New failures').check();
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(page.getByLabel('Webhook secret')).toHaveValue(/^whsec_/);
  const hook = page.locator('.webhook', { hasText: 'e2e hook' });
  await expect(hook).toContainText('enabled');
  await expect(hook).toContainText('Slack');
  await expect(hook).toContainText('run.new-failures');
  await expect(hook).toContainText('No deliveries yet.');

  await hook.getByRole('button', { name: 'Send test' }).click();
  const row = hook.locator('table.deliveries tbody tr').first();
  await expect(row).toContainText('webhook.test');
  await expect(row).toContainText('failed');
  await expect(row).toContainText('hooks.example.invalid could not be resolved');
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'project-settings.png'), fullPage: true });

  await hook.getByRole('button', { name: 'Disable' }).click();
  await expect(page.locator('.webhook', { hasText: 'e2e hook' })).toContainText('disabled');
  page.once('dialog', (dialog) => dialog.accept());
  await page.locator('.webhook', { hasText: 'e2e hook' }).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByText('No webhooks yet.')).toBeVisible();
  // The refused URL's 400 is an expected answer, not a page error.
  expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
});
