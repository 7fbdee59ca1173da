import { type Page } from '@playwright/test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, expect, test } from './fixtures';

/** Presses Tab until the focused element has the accessible name, as a keyboard user would. */
async function tabTo(page: Page, name: string): Promise<void> {
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? '';
    });
    if (focused === name) return;
  }
  throw new Error(`"${name}" cannot be reached with Tab`);
}

test('signing in and adding a host work from the keyboard alone', async ({ page }) => {
  await page.goto('/login');
  // The e-mail field has focus on arrival.
  await page.keyboard.type(ADMIN_EMAIL);
  await page.keyboard.press('Tab');
  await page.keyboard.type(ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Account menu' })).toBeVisible();

  await tabTo(page, 'Hosts');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/hosts$/);
  await tabTo(page, 'Add host');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add a host' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Host name')).toBeFocused();
  await page.keyboard.type('keyboard-host');
  await page.keyboard.press('Enter');
  await expect(dialog.getByLabel('Join command', { exact: true })).toContainText('infrapilot agent join');

  // Esc closes the dialog and gives focus back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add host' })).toBeFocused();
});
