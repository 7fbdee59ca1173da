import { createPerson, expect, screenshot, signIn, test } from './fixtures';

test('a viewer sees no buttons that change things, and a forced API call from the page is refused with 403', async ({ page, consoleWatch }) => {
  consoleWatch.allow(/status of 403/);
  const viewer = await createPerson('viewer', 'viewer');
  await signIn(page, viewer.email, viewer.password);

  await page.getByRole('link', { name: 'Hosts', exact: true }).click();
  await expect(page.locator('tr[data-host-id]').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add host' })).toHaveCount(0);
  await page.locator('tr[data-host-id]').first().getByRole('link').click();
  await expect(page.getByRole('button', { name: 'Ping' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Revoke host' })).toHaveCount(0);

  // No API keys page for a viewer, and no way to create one from anywhere.
  await expect(page.getByRole('link', { name: 'API keys' })).toHaveCount(0);
  await page.goto('/api-keys');
  await expect(page.getByRole('button', { name: 'Create API key' })).toHaveCount(0);
  await page.goto('/members');
  await expect(page.getByRole('button', { name: 'Add member' })).toHaveCount(0);
  await screenshot(page, 'members-as-viewer');

  // Forced from the page itself: the session cookie buys an access token, the server still says no.
  const status = await page.evaluate(async () => {
    const refresh = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { accessToken } = (await refresh.json()) as { accessToken: string };
    const create = await fetch('/api/v1/agents', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ name: 'sneaky-host' }),
    });
    return { status: create.status, code: ((await create.json()) as { error: { code: string } }).error.code };
  });
  expect(status).toEqual({ status: 403, code: 'forbidden' });
});
