import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminClient, expect, screenshot, signIn, test } from './fixtures';

const CLI = resolve(import.meta.dirname, '../../cli/dist/main.js');

/** Runs `infrapilot agent join ...` exactly as the dialog printed it, with a private state dir. */
function runCommand(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('exit', (code) => (code === 0 ? done(output) : fail(new Error(`infrapilot ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

test('the local host is active with CPU points, and a host joined with the dialog command appears live', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await screenshot(page, 'overview');
  await page.getByRole('link', { name: 'Hosts', exact: true }).click();
  const rows = page.locator('tr[data-host-id]');
  await expect(rows.first().getByTestId('host-status')).toHaveText('active');
  await screenshot(page, 'hosts');

  await rows.first().getByRole('link').click();
  await expect(page.getByTestId('host-status')).toHaveText('active');
  const cpuChart = page.getByRole('figure', { name: 'CPU chart' });
  await expect(cpuChart).toBeVisible();
  await expect.poll(async () => Number(await cpuChart.getAttribute('data-points'))).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Ping' }).click();
  await expect(page.getByText(/\d+(\.\d+)? ms/).first()).toBeVisible();
  await screenshot(page, 'host-detail');

  // Add a host from the dialog and run its join command for real, in another state dir.
  await page.getByRole('link', { name: 'Hosts', exact: true }).click();
  await page.getByRole('button', { name: 'Add host' }).click();
  await page.getByLabel('Host name').fill('e2e-second-host');
  await page.getByRole('button', { name: 'Create join command' }).click();
  const joinCommand = (await page.getByLabel('Join command', { exact: true }).textContent()) ?? '';
  await expect(page.getByLabel('Install command', { exact: true })).toContainText('/install.sh');
  await screenshot(page, 'add-host-dialog');
  expect(joinCommand).toMatch(/^infrapilot agent join --server \S+ --token ipe_\S+ --ca-hash \S+$/);
  await page.keyboard.press('Escape');

  const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-e2e-agent-'));
  const joinArgs = joinCommand.trim().split(/\s+/).slice(1);
  await runCommand([...joinArgs, '--state-dir', stateDir]);
  const agent = spawn(process.execPath, [CLI, 'agent', 'run', '--state-dir', stateDir, '--policy', join(stateDir, 'no-policy.yaml')], { stdio: 'ignore' });
  try {
    const secondRow = page.locator('tr[data-host-id]', { hasText: 'e2e-second-host' });
    await expect(secondRow).toBeVisible();
    await expect(secondRow.getByTestId('host-status')).toHaveText('active');
  } finally {
    agent.kill('SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('revoking a host flips it to revoked in a page that is already open', async ({ page, context }) => {
  const admin = await adminClient();
  const enrollment = await admin.agents.create({ name: 'e2e-doomed-host' });
  const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-e2e-agent-'));
  await runCommand([...enrollment.joinCommand.split(/\s+/).slice(1), '--state-dir', stateDir]);
  const agent = spawn(process.execPath, [CLI, 'agent', 'run', '--state-dir', stateDir, '--policy', join(stateDir, 'no-policy.yaml')], { stdio: 'ignore' });
  try {
    await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto('/hosts');
    const row = page.locator('tr[data-host-id]', { hasText: 'e2e-doomed-host' });
    await expect(row.getByTestId('host-status')).toHaveText('active');
    const hostId = await row.getAttribute('data-host-id');

    // A second tab of the same session revokes it from the host's page.
    const detail = await context.newPage();
    await detail.goto(`/hosts/${hostId}`);
    await detail.getByRole('button', { name: 'Revoke host' }).click();
    await detail.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(detail.getByTestId('host-status')).toHaveText('revoked');

    // The list in the first tab was never reloaded.
    await expect(row.getByTestId('host-status')).toHaveText('revoked');
    await expect(page.getByRole('button', { name: 'Add host' })).toBeVisible();
  } finally {
    agent.kill('SIGTERM');
    rmSync(stateDir, { recursive: true, force: true });
  }
});
