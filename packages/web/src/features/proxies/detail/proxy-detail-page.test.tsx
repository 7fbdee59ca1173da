import { ApiError } from '@infrapilot/client';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeProxyApi, inDays, makeProxyHost, proxyTestSession } from '../testing/proxies-test-fixtures';
import { renderProxies } from '../testing/render-proxies';
import { ProxyDetailPage } from './proxy-detail-page';

vi.mock('../../../app/session', async () => (await import('../testing/mock-session')).mockSession);

afterEach(() => {
  proxyTestSession.role = 'operator';
});

const DRIFTED = makeProxyHost({
  domain: 'app.example.com',
  status: 'drift',
  drift: { reason: 'modified', path: '/etc/nginx/conf.d/infrapilot-app.conf', detectedAt: new Date().toISOString() },
  sslEnabled: true,
  certificateId: '0190a000-0000-7000-8000-000000009999',
  certificate: { id: '0190a000-0000-7000-8000-000000009999', name: 'app.example.com', source: 'acme', status: 'valid', expiresAt: inDays(45), lastError: null },
  ipRules: [
    { cidr: '10.0.0.0/8', action: 'deny', priority: 20 },
    { cidr: '192.168.0.0/16', action: 'allow', priority: 10 },
  ],
  rateLimits: [{ requests: 10, per: 'second', burst: 20, enabled: false }],
});

async function openPage(route = `/proxies/${DRIFTED.agentId}/${DRIFTED.id}`, hosts = [DRIFTED]) {
  const fake = fakeProxyApi({ hosts });
  const rendered = renderProxies(<ProxyDetailPage />, { api: fake.api, route, path: '/proxies/:agentId/:pid' });
  await screen.findByRole('heading', { level: 1, name: 'app.example.com' });
  return { ...fake, ...rendered };
}

describe("a proxy host's page", () => {
  it('shows every setting, the certificate and a drift banner with the file it concerns', async () => {
    await openPage();
    expect(screen.getByTestId('proxy-status').textContent).toContain('drift');
    const banner = screen.getByTestId('drift-banner');
    expect(banner.textContent).toContain('The managed file on the host was changed by hand.');
    expect(banner.textContent).toContain('/etc/nginx/conf.d/infrapilot-app.conf');
    expect(screen.getByTestId('proxy-ssl').textContent).toBe('valid · 45 days left');
    // Rules in the order nginx applies them.
    expect(within(screen.getByRole('list', { name: 'IP rules' })).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'allow 192.168.0.0/16 (priority 10)',
      'deny 10.0.0.0/8 (priority 20)',
    ]);
    expect(within(screen.getByRole('list', { name: 'Rate limits' })).getByRole('listitem').textContent).toBe('10 per second, burst 20 (disabled)');
    expect(screen.getByText('max-age 31536000')).toBeTruthy();
  });

  it('writes the managed file again from the drift banner', async () => {
    const { api, user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'Write the managed file again' }));
    await waitFor(() => expect(api.proxies.update).toHaveBeenCalledTimes(1));
    expect(api.proxies.update.mock.calls[0]![2]).toMatchObject({ domain: 'app.example.com', certificateId: DRIFTED.certificateId, ipRules: DRIFTED.ipRules });
    await waitFor(() => expect(screen.queryByTestId('drift-banner')).toBeNull());
  });

  it('shows the rendered file with its hash and a drift note in the Config tab, and runs nginx -t on it', async () => {
    const { api, user } = await openPage();
    await user.click(screen.getByRole('tab', { name: 'Config' }));
    const config = await screen.findByTestId('proxy-config');
    expect(config.textContent).toContain('server_name app.example.com;');
    expect(screen.getByTestId('config-hash').textContent).toBe(DRIFTED.configHash);
    expect(screen.getByText(/differs from what InfraPilot wrote/)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe(`/proxies/${DRIFTED.agentId}/${DRIFTED.id}?tab=config`);

    await user.click(screen.getByRole('button', { name: 'Test' }));
    const result = await screen.findByTestId('proxy-test-result');
    expect(result.textContent).toContain('nginx -t accepted this configuration');
    expect(api.proxies.test).toHaveBeenCalledWith(DRIFTED.agentId, DRIFTED.id);
  });

  it('requests an ACME certificate from its dialog', async () => {
    const { api, user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'Request certificate' }));
    const dialog = screen.getByRole('dialog', { name: 'Certificate for app.example.com' });
    await user.click(within(dialog).getByRole('button', { name: 'Request certificate' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.proxies.requestSsl).toHaveBeenCalledWith(DRIFTED.agentId, DRIFTED.id, { source: 'acme' });
    expect(screen.getByTestId('proxy-ssl').textContent).toBe('pending');
  });

  it('deletes it after a confirmation, then shows the list', async () => {
    const { api, user, queryClient } = await openPage();
    const reads = api.proxies.get.mock.calls.length;
    // The deletion's live event may come before the reply: the page being left must not read the host again (a 404).
    api.proxies.remove.mockImplementationOnce(async () => {
      await queryClient.invalidateQueries();
      return { ok: true as const };
    });
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete app.example.com?' });
    expect(api.proxies.remove).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Delete proxy host' }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/proxies'));
    expect(api.proxies.remove).toHaveBeenCalledWith(DRIFTED.agentId, DRIFTED.id);
    expect(api.proxies.get.mock.calls.length).toBe(reads);
  });

  it('gives a viewer everything read-only: no edit, delete, certificate, test or rewrite buttons', async () => {
    proxyTestSession.role = 'viewer';
    const { user } = await openPage();
    expect(screen.getByTestId('drift-banner')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Request certificate' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Write the managed file again' })).toBeNull();
    await user.click(screen.getByRole('tab', { name: 'Config' }));
    await screen.findByTestId('proxy-config');
    expect(screen.queryByRole('button', { name: 'Test' })).toBeNull();
    expect(screen.getAllByRole('button').map((button) => button.textContent)).toEqual(['Copy']);
  });

  it('says "Not found" for a proxy host that is not there (or belongs to another org)', async () => {
    const fake = fakeProxyApi({ hosts: [] });
    fake.api.proxies.get.mockRejectedValueOnce(new ApiError(404, 'not_found', 'Proxy host not found'));
    renderProxies(<ProxyDetailPage />, { api: fake.api, route: `/proxies/${DRIFTED.agentId}/${DRIFTED.id}`, path: '/proxies/:agentId/:pid' });
    expect(await screen.findByText('Not found')).toBeTruthy();
  });
});
