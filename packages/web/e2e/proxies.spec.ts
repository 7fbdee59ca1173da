import { randomBytes } from 'node:crypto';
import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seriousAccessibilityViolations } from './accessibility';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminClient, createPerson, expect, screenshot, signIn, test } from './fixtures';

const SUFFIX = randomBytes(4).toString('hex');
const DOMAIN = `e2e-${SUFFIX}.test`;
const UPSTREAM_BODY = `hello from the e2e upstream ${SUFFIX}`;

let upstream: Server;
let upstreamPort: number;

/** The test nginx of the global setup, asked for `host` on its HTTP port (as a browser resolving the domain to it would). */
function throughNginx(host: string): Promise<{ status: number; body: string }> {
  const port = Number(process.env.E2E_NGINX_HTTP_PORT);
  if (!port) throw new Error('E2E_NGINX_HTTP_PORT is not set: the global setup starts the test nginx');
  return new Promise((done, fail) => {
    const outgoing = request({ host: '127.0.0.1', port, path: '/', headers: { host, connection: 'close' }, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', fail);
    outgoing.end();
  });
}

/** The host whose agent reports a usable nginx: the local agent, with the global setup's test nginx. */
async function localProxyHost(): Promise<{ id: string; name: string }> {
  const admin = await adminClient();
  for (const agent of (await admin.agents.list()).items) {
    const server = await admin.proxies.server(agent.id).catch(() => undefined);
    if (server?.available) return { id: agent.id, name: agent.name };
  }
  throw new Error('No host reports an available nginx: the global setup gives the local agent a test nginx');
}

test.beforeAll(async () => {
  // The upstream: a plain HTTP server on a loopback port, as an app behind the proxy would be.
  upstream = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(UPSTREAM_BODY);
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

test.afterAll(async () => {
  // Whatever a failed run left behind goes, so the shared nginx keeps no file of this run.
  const admin = await adminClient();
  for (const host of (await admin.proxies.list()).items.filter((item) => item.domain === DOMAIN)) await admin.proxies.remove(host.agentId, host.id).catch(() => undefined);
  await new Promise((done) => upstream.close(done));
});

test('a proxy host made with the form serves its upstream through nginx; its config is shown and tested; deleting it stops it', async ({ page }) => {
  test.setTimeout(120_000);
  const local = await localProxyHost();
  await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Proxy hosts', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Proxy hosts' })).toBeVisible();

  // The form: refused values never leave the browser; good ones go live.
  await page.getByRole('link', { name: 'Add proxy host' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add proxy host' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Host' }).selectOption(local.id);
  await page.getByRole('textbox', { name: 'Domain' }).fill(`${DOMAIN}; include /etc/passwd`);
  await page.getByRole('textbox', { name: 'Upstream host' }).fill('127.0.0.1');
  await page.getByRole('textbox', { name: 'Port' }).fill(String(upstreamPort));
  await page.getByRole('button', { name: 'Save proxy host' }).click();
  await expect(page.getByText(`Domain "${DOMAIN}; include /etc/passwd" may contain only letters`)).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Domain' })).toBeFocused();
  const violations = await seriousAccessibilityViolations(page, 'the proxy host form (with an error)');
  await screenshot(page, 'proxy-host-form');

  await page.getByRole('textbox', { name: 'Domain' }).fill(DOMAIN);
  await page.getByRole('button', { name: 'Add IP rule' }).click();
  await page.getByRole('textbox', { name: 'Address or CIDR' }).fill('127.0.0.0/8');
  await page.getByRole('combobox', { name: 'Action' }).selectOption('allow');
  await page.getByRole('button', { name: 'Save proxy host' }).click();

  // Its page: active, and nginx forwards the domain to the upstream.
  await expect(page.getByRole('heading', { level: 1, name: DOMAIN })).toBeVisible();
  await expect(page.getByTestId('proxy-status')).toHaveText('active');
  await expect(page.getByText('allow 127.0.0.0/8 (priority 0)')).toBeVisible();
  await expect.poll(async () => (await throughNginx(DOMAIN)).body).toBe(UPSTREAM_BODY);
  violations.push(...(await seriousAccessibilityViolations(page, "a proxy host's page")));
  await screenshot(page, 'proxy-host-detail');

  // The config tab: the rendered file with its hash, and nginx -t on it.
  await page.getByRole('tab', { name: 'Config' }).click();
  const config = page.getByTestId('proxy-config');
  await expect(config).toContainText(`server_name ${DOMAIN};`);
  await expect(config).toContainText(`127.0.0.1:${upstreamPort}`);
  await expect(page.getByTestId('config-hash')).toHaveText(/^[0-9a-f]{64}$/);
  await expect(page.getByText('The file on the host is the one InfraPilot wrote.')).toBeVisible();
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(page.getByTestId('proxy-test-result')).toContainText('nginx -t accepted this configuration');
  violations.push(...(await seriousAccessibilityViolations(page, "a proxy host's config")));
  await screenshot(page, 'proxy-host-config');

  // The list: the new row with its host, upstream, SSL off and status.
  await page.getByRole('link', { name: 'Back to proxy host list' }).click();
  const row = page.locator(`tr[data-proxy-domain="${DOMAIN}"]`);
  await expect(row.getByTestId('proxy-status')).toHaveText('active');
  await expect(row.getByTestId('proxy-ssl')).toHaveText('off');
  await expect(row.getByTestId('proxy-upstream')).toHaveText(`http://127.0.0.1:${upstreamPort}`);
  await expect(row.getByRole('link', { name: local.name })).toBeVisible();
  violations.push(...(await seriousAccessibilityViolations(page, 'the proxy hosts page')));
  await screenshot(page, 'proxy-hosts');

  // Editing: a candidate tested before it is saved; nothing changes until then.
  await row.getByRole('link', { name: DOMAIN, exact: true }).click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Edit ${DOMAIN}` })).toBeVisible();
  await page.getByRole('button', { name: 'Add rate limit' }).click();
  await page.getByRole('button', { name: 'Test configuration' }).click();
  await expect(page.getByTestId('proxy-test-result')).toContainText('nginx -t accepted this configuration');
  await expect(page.getByTestId('proxy-test-result').getByText('The configuration tested')).toBeVisible();
  violations.push(...(await seriousAccessibilityViolations(page, 'the proxy host edit form')));
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1, name: DOMAIN })).toBeVisible();

  // Certificates: a self-signed one from its dialog, then the page in both themes.
  await page.getByRole('link', { name: 'Certificates', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Certificates' })).toBeVisible();
  await expect(page.getByTestId('acme-directory')).toHaveText(/^https?:\/\//);
  await page.getByRole('button', { name: 'Create self-signed' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a self-signed certificate' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(`e2e-${SUFFIX}`);
  await dialog.getByRole('textbox', { name: 'Domains' }).fill(DOMAIN);
  await dialog.getByRole('button', { name: 'Create certificate' }).click();
  const certificate = page.locator(`tr[data-certificate-name="e2e-${SUFFIX}"]`);
  await expect(certificate.getByTestId('certificate-status')).toHaveText('valid');
  await expect(certificate.getByTestId('certificate-days-left')).toHaveText(/^36[45] days left$/);
  violations.push(...(await seriousAccessibilityViolations(page, 'the certificates page')));
  await screenshot(page, 'certificates');

  await page.getByRole('button', { name: /^Theme/ }).click();
  await page.getByRole('menuitemradio', { name: 'Dark' }).click();
  violations.push(...(await seriousAccessibilityViolations(page, 'the certificates page (dark)')));
  await page.getByRole('link', { name: 'Proxy hosts', exact: true }).click();
  await expect(row.getByTestId('proxy-status')).toHaveText('active');
  violations.push(...(await seriousAccessibilityViolations(page, 'the proxy hosts page (dark)')));
  await page.getByRole('button', { name: /^Theme/ }).click();
  await page.getByRole('menuitemradio', { name: 'Light' }).click();

  // The certificate is not used: it can go.
  await page.getByRole('link', { name: 'Certificates', exact: true }).click();
  await certificate.getByRole('button', { name: `Delete e2e-${SUFFIX}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete certificate' }).click();
  await expect(certificate).toHaveCount(0);

  // Deleting the proxy host removes its file: nginx no longer serves the domain.
  await page.getByRole('link', { name: 'Proxy hosts', exact: true }).click();
  await row.getByRole('link', { name: DOMAIN, exact: true }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog', { name: `Delete ${DOMAIN}?` }).getByRole('button', { name: 'Delete proxy host' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Proxy hosts' })).toBeVisible();
  await expect(row).toHaveCount(0);
  await expect.poll(async () => (await throughNginx(DOMAIN)).body).not.toBe(UPSTREAM_BODY);

  expect(violations).toEqual([]);
});

test('a viewer sees the proxy hosts and certificates but no button that changes them', async ({ page }) => {
  const local = await localProxyHost();
  const admin = await adminClient();
  const domain = `e2e-viewer-${SUFFIX}.test`;
  const host = await admin.proxies.create(local.id, { domain, upstream: { kind: 'address', host: '127.0.0.1', port: upstreamPort } });
  try {
    const viewer = await createPerson('viewer', 'proxy-viewer');
    await signIn(page, viewer.email, viewer.password);
    await page.getByRole('link', { name: 'Proxy hosts', exact: true }).click();
    const row = page.locator(`tr[data-proxy-domain="${domain}"]`);
    await expect(row.getByTestId('proxy-status')).toHaveText('active');
    await expect(page.getByRole('link', { name: 'Add proxy host' })).toHaveCount(0);

    await row.getByRole('link', { name: domain, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: domain })).toBeVisible();
    for (const name of ['Edit', 'Delete', 'Request certificate']) await expect(page.getByRole('button', { name, exact: true }).or(page.getByRole('link', { name, exact: true }))).toHaveCount(0);
    await page.getByRole('tab', { name: 'Config' }).click();
    await expect(page.getByTestId('proxy-config')).toContainText(`server_name ${domain};`);
    await expect(page.getByRole('button', { name: 'Test', exact: true })).toHaveCount(0);

    await page.getByRole('link', { name: 'Certificates', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Certificates' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Upload certificate' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Create self-signed' })).toHaveCount(0);
  } finally {
    await admin.proxies.remove(host.agentId, host.id);
  }
});
