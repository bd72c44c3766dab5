// End-to-end tests in real headless Chromium (Debian's /usr/bin/chromium; Playwright's own browser as a fallback).
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumExecutable } from './src/cli/chromium.ts';

export { chromiumArgs } from './src/cli/chromium.ts';
const executablePath = chromiumExecutable();

export default defineConfig({
  testDir: './test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: './test-results/e2e',
  forbidOnly: !!process.env.CI,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  globalSetup: './test/e2e/global-setup.ts',
  use: {
    headless: true,
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: chromiumArgs,
    },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium' },
    // Core peer specs once more with the datachannels' bytes relayed through the page, the fallback where a browser
    // cannot transfer them to the worker (docs/throughput.md): test/e2e/peer-helpers.ts reads the project name.
    { name: 'relay', testMatch: /peer-(transfer|interop|rejoin)\.spec\.ts$/ },
  ],
});
