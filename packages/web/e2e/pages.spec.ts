import { ADMIN_EMAIL, ADMIN_PASSWORD, adminClient, expect, screenshot, signIn, test } from './fixtures';

test('every page renders for an admin, in light and dark, at desktop and phone width', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  const pages: Array<[string, string, string]> = [
    ['Members', '/members', 'members'],
    ['Users', '/users', 'users'],
    ['API keys', '/api-keys', 'api-keys'],
    ['Audit log', '/audit', 'audit-log'],
  ];
  for (const [link, path, name] of pages) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Loading' })).toHaveCount(0);
    await screenshot(page, name);
  }
  await page.goto('/account');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await screenshot(page, 'account');

  // An audit row opens to show what was sent (secrets redacted).
  await page.goto('/audit');
  await page.getByRole('button', { name: /^Details of / }).first().click();
  await expect(page.getByText(/user agent/i).first()).toBeVisible();
  await screenshot(page, 'audit-log-expanded');

  await page.getByRole('button', { name: /^Theme/ }).click();
  await page.getByRole('menuitemradio', { name: 'Dark' }).click();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await page.goto('/hosts');
  await expect(page.locator('tr[data-host-id]').first()).toBeVisible();
  await screenshot(page, 'hosts-dark');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Open navigation' })).toBeVisible();
  await screenshot(page, 'overview-phone-dark');
  await page.getByRole('button', { name: 'Open navigation' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hosts', exact: true }).click();
  await expect(page.locator('tr[data-host-id]').first()).toBeVisible();
  await screenshot(page, 'hosts-phone-dark');
});

test('an unknown address shows a way back, and a deep link survives a reload', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto('/no/such/page');
  await expect(page.getByText('There is no page here')).toBeVisible();
  await page.goto('/audit');
  await page.reload();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});

test('switching organization shows only that org’s hosts, and switching back brings them back', async ({ page }) => {
  const admin = await adminClient();
  const lab = await admin.orgs.create({ name: `Lab ${Date.now()}` });
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto('/hosts');
  await expect(page.locator('tr[data-host-id]').first()).toBeVisible();

  await page.getByRole('button', { name: 'Switch organization' }).click();
  await page.getByRole('menuitemradio', { name: new RegExp(lab.name) }).click();
  await expect(page.getByRole('button', { name: 'Switch organization' })).toContainText(lab.name);
  await expect(page.getByText('No hosts yet')).toBeVisible();
  await expect(page.locator('tr[data-host-id]')).toHaveCount(0);
  // The live socket follows the new org too.
  await expect(page.getByRole('status', { name: 'Live updates on' })).toBeVisible();

  await page.getByRole('button', { name: 'Switch organization' }).click();
  await page.getByRole('menuitemradio', { name: /^Default/ }).click();
  await expect(page.locator('tr[data-host-id]').first()).toBeVisible();
});
