import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { seriousAccessibilityViolations } from './accessibility';
import { ADMIN_EMAIL, ADMIN_PASSWORD, expect, screenshot, signIn, test } from './fixtures';

const run = promisify(execFile);
const IMAGE = process.env.DOCKER_TEST_IMAGE ?? 'infrapilot-test/busybox:latest';
const SUFFIX = randomBytes(4).toString('hex');
const NAME = `e2e-web-${SUFFIX}`;
/** A compose project, as `docker compose up` labels its containers. */
const STACK = `e2e-shop-${SUFFIX}`;
const STACK_CONTAINERS = [`${STACK}-api-1`, `${STACK}-worker-1`];
const EXITED = `e2e-job-${SUFFIX}`;

/** The docker CLI, as a person at the host would use it (never pulls: the image is local). */
async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}

test.beforeAll(async () => {
  // Numbered lines, then idle; the trap makes `docker stop` quick (sh as PID 1 ignores SIGTERM otherwise).
  const script = 'trap "exit 0" TERM; for i in $(seq 1 40); do echo "e2e line $i"; done; while true; do sleep 1; done';
  await docker('run', '-d', '--name', NAME, '--network', 'none', '--label', 'infrapilot.test=1', IMAGE, 'sh', '-c', script);
  for (const [index, service] of ['api', 'worker'].entries()) {
    await docker(
      'run', '-d', '--name', STACK_CONTAINERS[index]!, '--network', 'none', '--label', 'infrapilot.test=1',
      '--label', `com.docker.compose.project=${STACK}`, '--label', `com.docker.compose.service=${service}`, '--label', 'com.docker.compose.container-number=1',
      IMAGE, 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done',
    );
  }
  // One that ran and failed, as a finished job does.
  await docker('run', '--name', EXITED, '--network', 'none', '--label', 'infrapilot.test=1', IMAGE, 'sh', '-c', 'echo "job failed" >&2; exit 3').catch(() => '');
});

test.afterAll(async () => {
  await docker('rm', '-f', NAME, ...STACK_CONTAINERS, EXITED).catch(() => '');
});

test('a container on the local host: listed, its log followed, stopped and started from the page, and a shell in the browser', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Containers', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Containers' })).toBeVisible();
  const row = page.locator(`tr[data-container-name="${NAME}"]`);
  await expect(row.getByTestId('container-state')).toHaveText('running');
  // This run's containers only (the machine runs other tests' containers too).
  await page.getByRole('searchbox', { name: 'Filter containers' }).fill(SUFFIX);
  await expect(page.locator(`tr[data-container-name="${EXITED}"]`).getByTestId('container-state')).toHaveText('exited');
  await expect(page.locator(`tr[data-container-name="${STACK_CONTAINERS[0]}"]`)).toContainText(STACK);
  await expect(page.locator('tr[data-container-name]')).toHaveCount(4);
  const violations = await seriousAccessibilityViolations(page, 'the containers page');
  await screenshot(page, 'containers');

  await row.getByRole('link', { name: NAME }).click();
  await expect(page.getByRole('heading', { level: 1, name: NAME })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Containers', exact: true })).toHaveAttribute('aria-current', 'page');
  const state = page.locator('main').getByTestId('container-state');
  await expect(state).toHaveText('running');
  await expect(page.getByText('infrapilot.test', { exact: true })).toBeVisible();
  violations.push(...(await seriousAccessibilityViolations(page, "a container's page")));
  await screenshot(page, 'container-detail');

  // The log: the last lines over REST, then following; the viewer sits at the end.
  await page.getByRole('tab', { name: 'Logs' }).click();
  const log = page.getByRole('log', { name: `Log of ${NAME}` });
  await expect(log).toContainText('e2e line 40');
  await expect(page.getByTestId('log-status')).toHaveText('Following');
  await page.getByRole('searchbox', { name: 'Search the log' }).fill('line 3');
  // "line 3" and "line 30" to "line 39".
  await expect(page.getByTestId('log-match-count')).toHaveText('1 of 11 matching lines');
  violations.push(...(await seriousAccessibilityViolations(page, "a container's log")));
  await screenshot(page, 'container-logs');

  // Stop, confirmed; the badge changes without a reload, and the log says why it ended.
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Stop ${NAME}?` });
  await expect(dialog.getByRole('list', { name: 'Containers' })).toContainText(NAME);
  await screenshot(page, 'container-stop-dialog');
  await dialog.getByRole('button', { name: 'Stop container' }).click();
  await expect(state).toHaveText('exited');
  await expect(page.getByTestId('log-status')).toHaveText(/^Ended/);
  expect(await docker('inspect', '--format', '{{.State.Status}}', NAME)).toBe('exited');

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(state).toHaveText('running');
  expect(await docker('inspect', '--format', '{{.State.Status}}', NAME)).toBe('running');

  // A shell in the browser: what is typed runs in the container, its output comes back.
  await page.getByRole('button', { name: 'Open terminal' }).click();
  await expect(page.getByTestId('terminal-status')).toHaveText('Connected: sh');
  const terminal = page.getByRole('group', { name: `Terminal: sh in ${NAME}` });
  await terminal.locator('.xterm').click();
  await page.keyboard.type('echo hello-from-xterm');
  await page.keyboard.press('Enter');
  const screenRows = terminal.locator('.xterm-rows > div');
  // The typed command echoes on one row; the output is a row of its own.
  await expect
    .poll(async () => (await screenRows.allTextContents()).map((text) => text.replaceAll('\u00a0', ' ').trim()).filter((text) => text === 'hello-from-xterm').length)
    .toBeGreaterThan(0);
  // Ctrl+] hands focus back to the page.
  await page.keyboard.press('Control+BracketRight');
  await expect(page.getByRole('combobox', { name: 'Command' })).toBeFocused();
  violations.push(...(await seriousAccessibilityViolations(page, "a container's terminal")));
  await screenshot(page, 'container-terminal');

  // The same pages in the dark theme.
  await page.getByRole('button', { name: /^Theme/ }).click();
  await page.getByRole('menuitemradio', { name: 'Dark' }).click();
  await page.getByRole('tab', { name: 'Logs' }).click();
  await expect(log).toContainText('e2e line 40');
  violations.push(...(await seriousAccessibilityViolations(page, "a container's log (dark)")));
  await page.goto(`/containers?q=${SUFFIX}`);
  await expect(page.locator('tr[data-container-name]')).toHaveCount(4);
  violations.push(...(await seriousAccessibilityViolations(page, 'the containers page (dark)')));
  await screenshot(page, 'containers-dark');

  expect(violations).toEqual([]);
});

test('a compose stack: listed with its services, stopped and started as one, its containers one click away', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Stacks', exact: true }).click();
  const row = page.locator(`tr[data-stack="${STACK}"]`);
  await expect(row).toContainText('api, worker');
  await expect(row).toContainText('2 of 2');
  await screenshot(page, 'stacks');

  await row.getByRole('button', { name: `Stop stack ${STACK} on local`, exact: true }).click();
  await page.getByRole('dialog', { name: `Stop stack ${STACK}?` }).getByRole('button', { name: 'Stop stack' }).click();
  await expect(row).toContainText('0 of 2');
  await expect(row).toContainText('2 exited');
  await row.getByRole('button', { name: `Start stack ${STACK} on local`, exact: true }).click();
  await page.getByRole('dialog', { name: `Start stack ${STACK}?` }).getByRole('button', { name: 'Start stack' }).click();
  await expect(row).toContainText('2 of 2');

  await row.getByRole('link', { name: new RegExp(`^${STACK}`) }).click();
  await expect(page.getByRole('combobox', { name: 'Stack' })).toHaveValue(STACK);
  await expect(page.locator('tr[data-container-name]')).toHaveCount(2);
  await expect(page.locator('tr[data-container-name]').getByTestId('container-state')).toHaveText(['running', 'running']);
});

test('the local host’s page shows its Docker: containers, images, volumes and networks', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto('/hosts');
  await page.locator('tr[data-host-id]').first().getByRole('link').click();
  const docker = page.getByRole('region', { name: 'Docker' });
  await expect(docker.locator(`tr[data-container-name="${NAME}"]`)).toBeVisible();
  await docker.getByRole('tab', { name: 'Images' }).click();
  await expect(docker.getByRole('table', { name: 'Images' })).toContainText('infrapilot-test/busybox:latest');
  await docker.getByRole('tab', { name: 'Networks' }).click();
  await expect(docker.getByRole('table', { name: 'Networks' })).toContainText('bridge');
  await docker.getByRole('tab', { name: 'Volumes' }).click();
  await expect(docker.getByRole('table', { name: 'Volumes' }).or(docker.getByText('No volumes'))).toBeVisible();
  await docker.getByRole('tab', { name: 'Images' }).click();
  expect(await seriousAccessibilityViolations(page, "a host's Docker section")).toEqual([]);
  await screenshot(page, 'host-docker');
});
