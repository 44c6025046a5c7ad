// Browser tests of the files origin (reports, trace viewer, hostile reports) against a node prepared by
// FilesOriginIT: BASE_URL is the dashboard; RUN_ID a real Playwright run with its HTML report and traces;
// HOSTILE_RUN_ID a run whose uploaded report attacks the dashboard. Debian's Chromium by default.
const { defineConfig } = require('@playwright/test');

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

module.exports = defineConfig({
  testDir: './files',
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results/files',
  use: {
    baseURL: process.env.BASE_URL || 'http://127.0.0.1:3000',
    viewport: { width: 1366, height: 850 },
    trace: 'off',
    launchOptions: {
      executablePath: executablePath === 'playwright' ? undefined : executablePath,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
});
