import { seriousAccessibilityViolations } from './accessibility';
import { ADMIN_EMAIL, ADMIN_PASSWORD, expect, signIn, test } from './fixtures';

test('every page passes the WCAG 2 A/AA checks of axe-core, in light and in dark', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  // Every page is checked before the verdict, so one run lists everything to fix.
  const violations = await seriousAccessibilityViolations(page, 'the sign-in page');
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);

  for (const theme of ['Light', 'Dark']) {
    await page.getByRole('button', { name: /^Theme/ }).click();
    await page.getByRole('menuitemradio', { name: theme }).click();
    for (const path of ['/', '/hosts', '/members', '/users', '/api-keys', '/audit', '/account']) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: 'Loading' })).toHaveCount(0);
      violations.push(...(await seriousAccessibilityViolations(page, `${path} (${theme.toLowerCase()})`)));
    }
    await page.goto('/hosts');
    await page.locator('tr[data-host-id]').first().getByRole('link').click();
    await expect(page.getByRole('figure', { name: 'CPU chart' })).toBeVisible();
    violations.push(...(await seriousAccessibilityViolations(page, `a host's page (${theme.toLowerCase()})`)));
  }
  expect(violations).toEqual([]);
});
