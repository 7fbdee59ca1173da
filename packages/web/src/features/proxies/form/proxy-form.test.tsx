import { ApiError } from '@infrapilot/client';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WEB_HOST, fakeProxyApi, makeCertificate, makeContainer, makeProxyHost, proxyTestSession } from '../testing/proxies-test-fixtures';
import { renderProxies } from '../testing/render-proxies';
import { EditProxyHostPage, NewProxyHostPage } from './proxy-form-page';

vi.mock('../../../app/session', async () => (await import('../testing/mock-session')).mockSession);

afterEach(() => {
  proxyTestSession.role = 'operator';
});

async function openNewForm(options: Parameters<typeof fakeProxyApi>[0] = {}) {
  const fake = fakeProxyApi(options);
  const rendered = renderProxies(<NewProxyHostPage />, { api: fake.api, route: `/proxies/new?host=${WEB_HOST.agentId}` });
  // The host picker is filled once the hosts are listed.
  await waitFor(() => expect((screen.getByRole('combobox', { name: 'Host' }) as HTMLSelectElement).value).toBe(WEB_HOST.agentId));
  return { ...fake, ...rendered };
}

describe('adding a proxy host', () => {
  it('refuses a hostile domain under its field, with the grammar’s words, and sends nothing', async () => {
    const { api, user } = await openNewForm();
    const domain = screen.getByRole('textbox', { name: 'Domain' });
    await user.type(domain, 'app.example.com; include /etc/passwd');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '8080');
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    expect(domain.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(domain.getAttribute('aria-describedby')!)?.textContent).toBe(
      'Domain "app.example.com; include /etc/passwd" may contain only letters, digits, "-" and "." (no spaces, ports, paths or wildcards)',
    );
    expect(document.activeElement).toBe(domain);
    expect(api.proxies.create).not.toHaveBeenCalled();
    expect(api.proxies.test).not.toHaveBeenCalled();
  });

  it('refuses hostile values in every other free-text field too, each under its own field', async () => {
    const { api, user } = await openNewForm();
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'app.example.com');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1:80/x}');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '70000');
    await user.type(screen.getByRole('textbox', { name: 'Content-Security-Policy' }), "default-src 'self'{enter}add_header X $host;");
    await user.click(screen.getByRole('button', { name: 'Add IP rule' }));
    await user.type(within(screen.getByRole('group', { name: 'IP rule 1' })).getByRole('textbox', { name: 'Address or CIDR' }), '10.0.0.0/8; allow all');
    await user.click(screen.getByRole('button', { name: 'Add rate limit' }));
    const limit = screen.getByRole('group', { name: 'Rate limit 1' });
    await user.clear(within(limit).getByRole('textbox', { name: 'Requests' }));
    await user.type(within(limit).getByRole('textbox', { name: 'Requests' }), '0');
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    const errorOf = (field: HTMLElement) => document.getElementById(field.getAttribute('aria-describedby')!)?.textContent;
    expect(errorOf(screen.getByRole('textbox', { name: 'Upstream host' }))).toBe(
      'Upstream host "127.0.0.1:80/x}" is not a valid IPv6 address (write it without brackets or a zone)',
    );
    expect(errorOf(screen.getByRole('textbox', { name: 'Port' }))).toBe('Ports end at 65535');
    expect(errorOf(screen.getByRole('textbox', { name: 'Content-Security-Policy' }))).toBe(
      'may contain only printable ASCII characters (no newlines, tabs or other control characters)',
    );
    expect(errorOf(within(screen.getByRole('group', { name: 'IP rule 1' })).getByRole('textbox', { name: 'Address or CIDR' }))).toBe(
      '"10.0.0.0/8; allow all" must be an IP address or a CIDR block such as 192.168.1.0/24 or 2001:db8::/32, or "all"',
    );
    expect(errorOf(within(limit).getByRole('textbox', { name: 'Requests' }))).toBe('Must be at least 1');
    expect(api.proxies.create).not.toHaveBeenCalled();
  });

  it('sends the checked settings (domain in punycode, blocks normalised), then opens the new proxy host', async () => {
    const { api, user } = await openNewForm();
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'Bücher.Example');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '10.0.0.5');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '3000');
    await user.click(screen.getByRole('checkbox', { name: 'HSTS includes subdomains' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'X-Frame-Options' }), 'DENY');
    await user.click(screen.getByRole('button', { name: 'Add IP rule' }));
    await user.type(screen.getByRole('textbox', { name: 'Address or CIDR' }), '192.168.1.7/24');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Action' }), 'allow');
    await user.click(screen.getByRole('button', { name: 'Add rate limit' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Per' }), 'minute');
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    await waitFor(() => expect(api.proxies.create).toHaveBeenCalledTimes(1));
    const [agentId, body] = api.proxies.create.mock.calls[0]!;
    expect(agentId).toBe(WEB_HOST.agentId);
    expect(body).toEqual({
      domain: 'xn--bcher-kva.example',
      upstream: { kind: 'address', scheme: 'http', host: '10.0.0.5', port: 3000 },
      certificateId: null,
      forceSsl: true,
      http2: true,
      websockets: true,
      clientMaxBodySizeMb: 100,
      securityHeaders: {
        hsts: true,
        hstsMaxAgeSeconds: 31_536_000,
        hstsIncludeSubdomains: true,
        xFrameOptions: 'DENY',
        xContentTypeOptions: true,
        xXssProtection: true,
        contentSecurityPolicy: null,
      },
      rateLimits: [{ requests: 10, per: 'minute', burst: 50, enabled: true }],
      ipRules: [{ cidr: '192.168.1.0/24', action: 'allow', priority: 0 }],
    });
    expect(api.proxies.requestSsl).not.toHaveBeenCalled();
    const created = (await api.proxies.create.mock.results[0]!.value) as { id: string };
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe(`/proxies/${WEB_HOST.agentId}/${created.id}`));
  });

  it('lists the host’s containers with their ports, and fills the port from the one chosen', async () => {
    const web = makeContainer({
      name: 'shop-web',
      ports: [
        { ip: '0.0.0.0', privatePort: 80, publicPort: 8081, protocol: 'tcp' },
        { ip: '::', privatePort: 80, publicPort: 8081, protocol: 'tcp' },
        { ip: '', privatePort: 443, publicPort: null, protocol: 'tcp' },
      ],
    });
    const api = makeContainer({ name: 'api', ports: [{ ip: '', privatePort: 3000, publicPort: null, protocol: 'tcp' }] });
    const fake = await openNewForm({ containers: [web, api] });
    const { user } = fake;
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'shop.example.com');
    await user.click(screen.getByRole('radio', { name: 'Container' }));
    const picker = screen.getByRole('combobox', { name: 'Container' });
    await waitFor(() => expect(within(picker).getAllByRole('option')).toHaveLength(3));
    expect(within(picker).getAllByRole('option').map((option) => option.textContent)).toEqual([
      'Choose a container',
      'api — running, ports 3000',
      'shop-web — running, ports 80 (published on 8081); 443',
    ]);
    expect(fake.api.containers.listOnHost).toHaveBeenCalledWith(WEB_HOST.agentId, expect.anything());

    await user.selectOptions(picker, 'api');
    expect((screen.getByRole('textbox', { name: 'Container port' }) as HTMLInputElement).value).toBe('3000');
    await user.selectOptions(picker, 'shop-web');
    await user.click(within(screen.getByRole('group', { name: 'Ports of this container' })).getByRole('button', { name: '443' }));
    expect((screen.getByRole('textbox', { name: 'Container port' }) as HTMLInputElement).value).toBe('443');
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    await waitFor(() => expect(fake.api.proxies.create).toHaveBeenCalledTimes(1));
    expect(fake.api.proxies.create.mock.calls[0]![1].upstream).toEqual({ kind: 'container', scheme: 'http', container: 'shop-web', port: 443 });
  });

  it("keeps the values and shows nginx's own words in a block when nginx -t refuses the file", async () => {
    const { api, user } = await openNewForm();
    api.proxies.create.mockRejectedValueOnce(
      new ApiError(422, 'proxy_config_invalid', 'nginx: [emerg] unknown directive "bogus" in /etc/nginx/conf.d/infrapilot-x.conf:12\nnginx: configuration file /etc/nginx/nginx.conf test failed'),
    );
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'app.example.com');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '8080');
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    const alert = await screen.findByTestId('save-error');
    expect(within(alert).getByText('nginx refused this configuration')).toBeTruthy();
    expect(alert.querySelector('pre')?.textContent).toBe(
      'nginx: [emerg] unknown directive "bogus" in /etc/nginx/conf.d/infrapilot-x.conf:12\nnginx: configuration file /etc/nginx/nginx.conf test failed',
    );
    expect((screen.getByRole('textbox', { name: 'Domain' }) as HTMLInputElement).value).toBe('app.example.com');
    expect(screen.getByTestId('location').textContent).toBe(`/proxies/new?host=${WEB_HOST.agentId}`);
  });

  it("puts the server's 400 details under their fields, and says a 409 or 503 plainly", async () => {
    const { api, user } = await openNewForm();
    api.proxies.create
      .mockRejectedValueOnce(new ApiError(400, 'validation_failed', 'Request validation failed', [{ path: 'body.domain', message: 'Domain "app.example.com" is reserved' }]))
      .mockRejectedValueOnce(new ApiError(409, 'conflict', 'app.example.com is already a proxy host on web-1'))
      .mockRejectedValueOnce(new ApiError(503, 'proxy_unavailable', 'nginx is not installed on web-1 (/usr/sbin/nginx not found)'));
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'app.example.com');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '8080');
    const save = screen.getByRole('button', { name: 'Save proxy host' });

    await user.click(save);
    const domain = screen.getByRole('textbox', { name: 'Domain' });
    await waitFor(() => expect(domain.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(domain.getAttribute('aria-describedby')!)?.textContent).toBe('Domain "app.example.com" is reserved');

    await user.click(save);
    await waitFor(() => expect(screen.getByTestId('save-error').textContent).toContain('app.example.com is already a proxy host on web-1'));

    await user.click(save);
    await waitFor(() => expect(screen.getByTestId('save-error').textContent).toContain('nginx is not available on this host'));
    expect(screen.getByTestId('save-error').textContent).toContain('nginx is not installed on web-1 (/usr/sbin/nginx not found)');
    expect(api.proxies.create).toHaveBeenCalledTimes(3);
  });

  it('requests an ACME certificate after saving when asked to', async () => {
    const { api, user } = await openNewForm();
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'secure.example.com');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '8080');
    await user.click(await screen.findByRole('radio', { name: "Request a new one from Let's Encrypt" }));
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    await waitFor(() => expect(api.proxies.requestSsl).toHaveBeenCalledTimes(1));
    const created = (await api.proxies.create.mock.results[0]!.value) as { id: string };
    expect(api.proxies.create.mock.calls[0]![1].certificateId).toBeNull();
    expect(api.proxies.requestSsl).toHaveBeenCalledWith(WEB_HOST.agentId, created.id, { source: 'acme' });
  });

  it('opens the saved proxy host and says so when only the certificate request was refused', async () => {
    const { api, user } = await openNewForm();
    api.proxies.requestSsl.mockRejectedValueOnce(new ApiError(409, 'conflict', 'A certificate for secure.example.com is already being issued'));
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'secure.example.com');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '8080');
    await user.click(screen.getByRole('radio', { name: 'Self-signed' }));
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));

    expect(await screen.findByText('Saved secure.example.com, but the certificate request was refused')).toBeTruthy();
    expect(screen.getByText('A certificate for secure.example.com is already being issued')).toBeTruthy();
    expect(api.proxies.requestSsl.mock.calls[0]![2]).toEqual({ source: 'self_signed', days: 365 });
    const created = (await api.proxies.create.mock.results[0]!.value) as { id: string };
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe(`/proxies/${WEB_HOST.agentId}/${created.id}`));
  });

  it('attaches a certificate of the org chosen from the list', async () => {
    const certificate = makeCertificate({ name: 'wildcard.example.com', domains: ['app.example.com'] });
    const { api, user } = await openNewForm({ certificates: [certificate] });
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'app.example.com');
    await user.type(screen.getByRole('textbox', { name: 'Upstream host' }), '127.0.0.1');
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '8080');
    await user.click(screen.getByRole('radio', { name: 'A certificate of this organization' }));
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));
    expect(document.getElementById(screen.getByRole('combobox', { name: 'Certificate' }).getAttribute('aria-describedby')!)?.textContent).toBe(
      'Choose a certificate, or another SSL option',
    );
    await user.selectOptions(screen.getByRole('combobox', { name: 'Certificate' }), certificate.id);
    await user.click(screen.getByRole('button', { name: 'Save proxy host' }));
    await waitFor(() => expect(api.proxies.create).toHaveBeenCalledTimes(1));
    expect(api.proxies.create.mock.calls[0]![1].certificateId).toBe(certificate.id);
  });
});

describe('editing a proxy host', () => {
  const HOST = makeProxyHost({
    domain: 'app.example.com',
    rateLimits: [{ requests: 5, per: 'second', burst: 10, enabled: true }],
    ipRules: [{ cidr: '10.0.0.0/8', action: 'deny', priority: 5 }],
  });

  async function openEditForm() {
    const fake = fakeProxyApi({ hosts: [HOST] });
    const rendered = renderProxies(<EditProxyHostPage />, { api: fake.api, route: `/proxies/${HOST.agentId}/${HOST.id}/edit`, path: '/proxies/:agentId/:pid/edit' });
    await screen.findByRole('heading', { level: 1, name: 'Edit app.example.com' });
    return { ...fake, ...rendered };
  }

  it('starts from the saved settings and tests the candidate with nginx -t before saving', async () => {
    const { api, user } = await openEditForm();
    expect((screen.getByRole('textbox', { name: 'Domain' }) as HTMLInputElement).value).toBe('app.example.com');
    expect((screen.getByRole('textbox', { name: 'Burst' }) as HTMLInputElement).value).toBe('10');
    expect((screen.getByRole('textbox', { name: 'Address or CIDR' }) as HTMLInputElement).value).toBe('10.0.0.0/8');
    api.proxies.test.mockResolvedValueOnce({ ok: false, output: 'nginx: [emerg] invalid port in "127.0.0.1:0"', config: 'server { listen 80; }' });

    await user.clear(screen.getByRole('textbox', { name: 'Port' }));
    await user.type(screen.getByRole('textbox', { name: 'Port' }), '9090');
    await user.click(screen.getByRole('button', { name: 'Test configuration' }));
    const result = await screen.findByTestId('proxy-test-result');
    expect(result.textContent).toContain('nginx -t refused this configuration');
    expect(result.querySelector('pre')?.textContent).toBe('nginx: [emerg] invalid port in "127.0.0.1:0"');
    expect(api.proxies.test).toHaveBeenCalledWith(HOST.agentId, HOST.id, expect.objectContaining({ upstream: { kind: 'address', scheme: 'http', host: '127.0.0.1', port: 9090 } }));
    expect(api.proxies.update).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(api.proxies.update).toHaveBeenCalledTimes(1));
    expect(api.proxies.update.mock.calls[0]![2]).toMatchObject({ domain: 'app.example.com', rateLimits: [{ requests: 5, per: 'second', burst: 10, enabled: true }] });
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe(`/proxies/${HOST.agentId}/${HOST.id}`));
  });

  it('does not test a candidate the schema refuses', async () => {
    const { api, user } = await openEditForm();
    await user.clear(screen.getByRole('textbox', { name: 'Domain' }));
    await user.type(screen.getByRole('textbox', { name: 'Domain' }), 'bad domain');
    await user.click(screen.getByRole('button', { name: 'Test configuration' }));
    expect(screen.getByRole('textbox', { name: 'Domain' }).getAttribute('aria-invalid')).toBe('true');
    expect(api.proxies.test).not.toHaveBeenCalled();
  });
});
