import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: Debian's Chromium (/usr/bin/chromium, installed by
 * scripts/setup-system.sh) drives the built web app served by a real `infrapilot up`
 * with its real local agent (e2e/global-setup.ts). The tests share that server, so
 * they run one at a time.
 */
export default defineConfig({
  testDir: './e2e',
  outputDir: '../../test-results/playwright',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: '../../test-results/playwright-report.json' }]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // This machine has no internet: without these, Chromium's background services
      // fill the log with refused connections (see the env notes on browser tests).
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
