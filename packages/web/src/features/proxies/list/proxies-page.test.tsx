import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DB_HOST, fakeProxyApi, inDays, makeCertificate, makeProxyHost, proxyTestSession } from '../testing/proxies-test-fixtures';
import { renderProxies } from '../testing/render-proxies';
import { ProxiesPage } from './proxies-page';

vi.mock('../../../app/session', async () => (await import('../testing/mock-session')).mockSession);

afterEach(() => {
  proxyTestSession.role = 'operator';
});

const summary = (certificate: ReturnType<typeof makeCertificate>) => ({
  id: certificate.id,
  name: certificate.name,
  source: certificate.source,
  status: certificate.status,
  expiresAt: certificate.expiresAt,
  lastError: certificate.lastError,
});

const PLAIN = makeProxyHost({ domain: 'plain.example.com' });
const PENDING = makeProxyHost({ domain: 'pending.example.com', certificate: summary(makeCertificate({ name: 'pending.example.com', status: 'pending', expiresAt: null })) });
const VALID = makeProxyHost({
  domain: 'valid.example.com',
  sslEnabled: true,
  certificate: summary(makeCertificate({ name: 'valid.example.com', expiresAt: inDays(60) })),
  upstream: { kind: 'container', scheme: 'http', container: 'web', port: 80 },
  upstreamAddress: '172.17.0.3:80',
});
const EXPIRING = makeProxyHost({ domain: 'soon.example.com', sslEnabled: true, certificate: summary(makeCertificate({ name: 'soon.example.com', expiresAt: inDays(12) })) });
const FAILED = makeProxyHost({
  domain: 'failed.example.com',
  certificate: summary(makeCertificate({ name: 'failed.example.com', status: 'failed', expiresAt: null, lastError: 'urn:ietf:params:acme:error:connection: connection refused' })),
});
const BROKEN = makeProxyHost({ domain: 'broken.example.com', ...DB_HOST, status: 'error', lastError: 'nginx: [emerg] host not found in upstream "nowhere"' });
const DRIFTED = makeProxyHost({
  domain: 'drifted.example.com',
  status: 'drift',
  drift: { reason: 'modified', path: '/etc/nginx/conf.d/infrapilot-x.conf', detectedAt: '2026-01-01T11:00:00.000Z' },
});
const ALL = [PLAIN, PENDING, VALID, EXPIRING, FAILED, BROKEN, DRIFTED];

function rowOf(domain: string): HTMLElement {
  return screen.getAllByRole('row').find((row) => row.getAttribute('data-proxy-domain') === domain)!;
}

async function openPage(route = '/proxies', hosts = ALL) {
  const fake = fakeProxyApi({ hosts });
  const rendered = renderProxies(<ProxiesPage />, { api: fake.api, route });
  await screen.findByRole('table', { name: 'Proxy hosts' });
  return { ...fake, ...rendered };
}

describe('the proxy hosts page', () => {
  it('lists every proxy host by domain, linking to its page and to the site, with host and upstream', async () => {
    await openPage();
    expect(screen.getAllByRole('row').flatMap((row) => row.getAttribute('data-proxy-domain') ?? [])).toEqual([
      'broken.example.com',
      'drifted.example.com',
      'failed.example.com',
      'pending.example.com',
      'plain.example.com',
      'soon.example.com',
      'valid.example.com',
    ]);
    const valid = rowOf('valid.example.com');
    expect(within(valid).getByRole('link', { name: 'valid.example.com' })).toHaveProperty('pathname', `/proxies/${VALID.agentId}/${VALID.id}`);
    // HTTPS is served: the site link says so; a host without a certificate links over http.
    expect(within(valid).getByRole('link', { name: /^https:\/\/valid\.example\.com/ }).getAttribute('href')).toBe('https://valid.example.com');
    expect(within(rowOf('plain.example.com')).getByRole('link', { name: /^http:\/\/plain\.example\.com/ }).getAttribute('href')).toBe('http://plain.example.com');
    expect(within(valid).getByTestId('proxy-upstream').textContent).toBe('http://web:80 (container)→ 172.17.0.3:80');
    expect(within(rowOf('plain.example.com')).getByTestId('proxy-upstream').textContent).toBe('http://127.0.0.1:8080');
    expect(within(rowOf('broken.example.com')).getByRole('link', { name: 'db-1' })).toHaveProperty('pathname', `/hosts/${DB_HOST.agentId}`);
  });

  it('shows each certificate state: off, pending, valid with the days left (amber under 30), failed with the error', async () => {
    await openPage();
    const ssl = (domain: string) => within(rowOf(domain)).getByTestId('proxy-ssl');
    expect(ssl('plain.example.com').textContent).toBe('off');
    expect(ssl('pending.example.com').textContent).toBe('pending');
    expect(ssl('valid.example.com').textContent).toBe('valid · 60 days left');
    expect(ssl('valid.example.com').className).toContain('text-success');
    expect(ssl('soon.example.com').textContent).toBe('valid · 12 days left');
    expect(ssl('soon.example.com').className).toContain('text-warning');
    expect(ssl('failed.example.com').className).toContain('text-destructive');
    expect(ssl('failed.example.com').getAttribute('title')).toBe('urn:ietf:params:acme:error:connection: connection refused');
    expect(ssl('failed.example.com').textContent).toBe('failed: urn:ietf:params:acme:error:connection: connection refused');
  });

  it('shows each status: active, error with its message, drift with its reason', async () => {
    await openPage();
    const status = (domain: string) => within(rowOf(domain)).getByTestId('proxy-status');
    expect(status('plain.example.com').textContent).toBe('active');
    expect(status('plain.example.com').className).toContain('text-success');
    expect(status('broken.example.com').className).toContain('text-destructive');
    expect(status('broken.example.com').getAttribute('title')).toBe('nginx: [emerg] host not found in upstream "nowhere"');
    expect(status('drifted.example.com').className).toContain('text-warning');
    expect(status('drifted.example.com').getAttribute('title')).toBe('The managed file on the host was changed by hand.');
  });

  it('filters by host, keeping the filter in the URL and in the add link', async () => {
    const { user } = await openPage();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Host' }), DB_HOST.agentId);
    expect(screen.getAllByRole('row').flatMap((row) => row.getAttribute('data-proxy-domain') ?? [])).toEqual(['broken.example.com']);
    expect(screen.getByTestId('location').textContent).toBe(`/proxies?host=${DB_HOST.agentId}`);
    expect(screen.getByRole('link', { name: 'Add proxy host' }).getAttribute('href')).toBe(`/proxies/new?host=${DB_HOST.agentId}`);
  });

  it('offers "Add proxy host" to operators only', async () => {
    await openPage();
    expect(screen.getByRole('link', { name: 'Add proxy host' }).getAttribute('href')).toBe('/proxies/new');
  });

  it('shows a viewer the same list without the add button', async () => {
    proxyTestSession.role = 'viewer';
    await openPage();
    expect(screen.getAllByRole('row')).toHaveLength(ALL.length + 1);
    expect(screen.queryByRole('link', { name: 'Add proxy host' })).toBeNull();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });

  it('says what a proxy host is when there is none', async () => {
    const fake = fakeProxyApi({ hosts: [] });
    renderProxies(<ProxiesPage />, { api: fake.api, route: '/proxies' });
    expect(await screen.findByText('No proxy hosts yet')).toBeTruthy();
  });
});
