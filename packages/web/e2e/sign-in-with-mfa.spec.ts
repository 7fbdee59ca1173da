import { createPerson, expect, screenshot, signIn, test, totpCode } from './fixtures';

test('a person signs in, enables MFA with a TOTP from their app, signs out, and signs in again with a code', async ({ page }) => {
  const person = await createPerson('super_admin', 'mfa');
  await page.goto('/login');
  await screenshot(page, 'login');
  await signIn(page, person.email, person.password);

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Enable MFA' }).click();
  await expect(page.getByAltText('QR code for your authenticator app')).toBeVisible();
  const secret = ((await page.getByLabel('Secret key').textContent()) ?? '').replace(/\s+/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await screenshot(page, 'account-mfa-setup');
  await page.getByLabel('Authentication code').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await screenshot(page, 'account-recovery-codes');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('button', { name: 'Disable MFA' })).toBeVisible();

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  // The password alone no longer signs in: the code step appears, and the next step's code passes it.
  await signIn(page, person.email, person.password, () => totpCode(secret, 1));
  // Back where they signed out, with MFA on.
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('button', { name: 'Disable MFA' })).toBeVisible();

  // A reload keeps the session: the refresh cookie buys a new access token.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Account menu' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Disable MFA' })).toBeVisible();
});

test('a wrong password is refused with a message, and nothing is signed in', async ({ page, consoleWatch }) => {
  consoleWatch.allow(/status of 401/);
  await page.goto('/login');
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/password|credentials/i);
  await expect(page.getByRole('button', { name: 'Account menu' })).toHaveCount(0);
});
