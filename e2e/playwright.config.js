// Browser tests of the dashboard against a running Runboard node (BASE_URL), in Debian's Chromium by default.
const { defineConfig } = require('@playwright/test');

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

module.exports = defineConfig({
  testDir: './tests',
  // The tests share one server and build on each other's state (setup first): one worker, in order.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results',
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
