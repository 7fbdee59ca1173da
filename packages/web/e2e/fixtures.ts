import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InfraPilotClient } from '@infrapilot/client';
import { type Page, test as base, expect } from '@playwright/test';
import { authenticator } from 'otplib';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './global-setup';

export { expect };
export { ADMIN_EMAIL, ADMIN_PASSWORD };

/** Screenshots of each page, committed and shown in docs/ui.md. */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../test-results/screenshots');

export function baseUrl(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set: run the suite through playwright.config.ts (global setup starts the server)');
  return url;
}

/** A client of the same server, signed in as the first admin, for arranging what a test needs. */
export async function adminClient(): Promise<InfraPilotClient> {
  const client = new InfraPilotClient({ baseUrl: baseUrl() });
  await client.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  return client;
}

/**
 * The TOTP code for a base32 secret, as an authenticator app computes it. The server
 * accepts one step of drift and refuses a step already used, so a second sign-in right
 * after the first uses the next step's code (`stepsAhead = 1`).
 */
export function totpCode(secret: string, stepsAhead = 0): string {
  return authenticator.clone({ epoch: Date.now() + stepsAhead * 30_000 }).generate(secret);
}

/** A person in the admin's org with a role, and the password to sign in with. */
export async function createPerson(role: 'super_admin' | 'operator' | 'viewer', label: string): Promise<{ email: string; password: string }> {
  const admin = await adminClient();
  const email = `${label}-${Date.now()}@example.com`;
  const password = `e2e password of ${label} 0123456789`;
  await admin.users.create({ email, name: label, role, password });
  return { email, password };
}

/** Signs in through the login page; `code` answers the MFA step when it appears. */
export async function signIn(page: Page, email: string, password: string, code?: () => string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (code) {
    await page.getByLabel('Authentication code').fill(code());
    await page.getByRole('button', { name: 'Verify' }).click();
  }
  await expect(page.getByRole('button', { name: 'Account menu' })).toBeVisible();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

interface ConsoleWatch {
  /** Console errors a test provokes on purpose (a forced 403) are expected, not failures. */
  allow(pattern: RegExp): void;
}

/**
 * Every page of every test is watched: an uncaught exception or a console error that
 * the test did not announce fails the test.
 */
export const test = base.extend<{ consoleWatch: ConsoleWatch }>({
  baseURL: async ({}, use) => use(baseUrl()),
  consoleWatch: [
    async ({ context }, use, testInfo) => {
      const problems: string[] = [];
      // Chromium aborts requests in flight with ERR_NETWORK_CHANGED whenever a network
      // interface comes or goes, and Docker adds one (a veth) per container it starts:
      // the machine's doing, not the page's. (The container specs use `--network none`.)
      const allowed: RegExp[] = [/net::ERR_NETWORK_CHANGED/];
      const watch = (page: Page) => {
        page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
        page.on('console', (message) => {
          if (message.type() !== 'error') return;
          const text = `${message.text()} (${message.location().url})`;
          if (!allowed.some((pattern) => pattern.test(text))) problems.push(`console.error: ${text}`);
        });
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use({ allow: (pattern) => allowed.push(pattern) });
      if (problems.length > 0) {
        await testInfo.attach('browser-console-errors', { body: problems.join('\n'), contentType: 'text/plain' });
        throw new Error(`The browser reported errors:\n${problems.join('\n')}`);
      }
    },
    { auto: true },
  ],
});
