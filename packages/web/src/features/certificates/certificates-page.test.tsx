import { ApiError } from '@infrapilot/client';
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WEB_HOST, fakeProxyApi, inDays, makeCertificate, proxyTestSession } from '../proxies/testing/proxies-test-fixtures';
import { renderProxies } from '../proxies/testing/render-proxies';
import { CertificatesPage } from './certificates-page';

vi.mock('../../app/session', async () => (await import('../proxies/testing/mock-session')).mockSession);

afterEach(() => {
  proxyTestSession.role = 'operator';
});

const USED = makeCertificate({
  name: 'app.example.com',
  expiresAt: inDays(75),
  daysLeft: 75,
  proxyHosts: [{ id: '0190a000-0000-7000-8000-000000005001', domain: 'app.example.com', ...WEB_HOST }],
});
const EXPIRING = makeCertificate({ name: 'old.example.com', source: 'uploaded', expiresAt: inDays(9), daysLeft: 9, acmeDirectoryUrl: null });
const FAILED = makeCertificate({ name: 'new.example.com', status: 'failed', expiresAt: null, daysLeft: null, lastError: 'DNS problem: NXDOMAIN looking up A for new.example.com' });
const SELF = makeCertificate({ name: 'internal.lan', source: 'self_signed', domains: ['internal.lan', 'nas.internal.lan'], acmeDirectoryUrl: null });

function rowOf(name: string): HTMLElement {
  return screen.getAllByRole('row').find((row) => row.getAttribute('data-certificate-name') === name)!;
}

async function openPage(certificates = [USED, EXPIRING, FAILED, SELF]) {
  const fake = fakeProxyApi({ certificates });
  const rendered = renderProxies(<CertificatesPage />, { api: fake.api, route: '/certificates' });
  await screen.findByRole('table', { name: 'Certificates' });
  return { ...fake, ...rendered };
}

describe('the certificates page', () => {
  it('lists each certificate with domains, source, status, days left and the proxy hosts using it, and names the ACME CA', async () => {
    await openPage();
    expect(await screen.findByTestId('acme-directory')).toHaveProperty('textContent', 'https://acme-v02.api.letsencrypt.org/directory');
    expect(screen.getByText(/issued by/).textContent).toContain("Let's Encrypt");
    const used = rowOf('app.example.com');
    expect(within(used).getByTestId('certificate-status').textContent).toBe('valid');
    expect(within(used).getByTestId('certificate-days-left').textContent).toBe('75 days left');
    expect(within(used).getByRole('link', { name: 'app.example.com' })).toHaveProperty('pathname', `/proxies/${WEB_HOST.agentId}/0190a000-0000-7000-8000-000000005001`);
    expect(within(rowOf('old.example.com')).getByTestId('certificate-days-left').className).toContain('text-warning');
    expect(within(rowOf('old.example.com')).getByText('Uploaded')).toBeTruthy();
    expect(within(rowOf('new.example.com')).getByTestId('certificate-status').className).toContain('text-destructive');
    expect(rowOf('new.example.com').textContent).toContain('DNS problem: NXDOMAIN looking up A for new.example.com');
    expect(rowOf('internal.lan').textContent).toContain('nas.internal.lan');
  });

  it('will not delete a certificate in use, and says why', async () => {
    const { api, user } = await openPage();
    const remove = within(rowOf('app.example.com')).getByRole('button', { name: 'Delete app.example.com' });
    expect(remove.getAttribute('aria-disabled')).toBe('true');
    expect(document.getElementById(remove.getAttribute('aria-describedby')!)?.textContent).toBe('In use by 1 proxy host: attach another certificate to it first.');
    await user.click(remove);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.certificates.remove).not.toHaveBeenCalled();
  });

  it('deletes an unused certificate after a confirmation', async () => {
    const { api, user } = await openPage();
    await user.click(within(rowOf('internal.lan')).getByRole('button', { name: 'Delete internal.lan' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete internal.lan?' })).getByRole('button', { name: 'Delete certificate' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.certificates.remove).toHaveBeenCalledWith(SELF.id);
    await waitFor(() => expect(screen.queryAllByRole('row').some((row) => row.getAttribute('data-certificate-name') === 'internal.lan')).toBe(false));
  });

  it('shows the refusal in the dialog when the server still finds it in use (409)', async () => {
    const { api, user } = await openPage();
    api.certificates.remove.mockRejectedValueOnce(new ApiError(409, 'conflict', 'The certificate is used by app2.example.com'));
    await user.click(within(rowOf('internal.lan')).getByRole('button', { name: 'Delete internal.lan' }));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete certificate' }));
    expect((await within(screen.getByRole('dialog')).findByRole('alert')).textContent).toBe('The certificate is used by app2.example.com');
  });

  it('offers Renew for ACME certificates only', async () => {
    const { api, user } = await openPage();
    expect(within(rowOf('old.example.com')).queryByRole('button', { name: /Renew/ })).toBeNull();
    expect(within(rowOf('internal.lan')).queryByRole('button', { name: /Renew/ })).toBeNull();
    await user.click(within(rowOf('app.example.com')).getByRole('button', { name: 'Renew app.example.com' }));
    await waitFor(() => expect(api.certificates.renew).toHaveBeenCalledWith(USED.id));
  });

  it('creates a self-signed certificate, checking the domains with the grammar first', async () => {
    const { api, user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'Create self-signed' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a self-signed certificate' });
    const domains = within(dialog).getByRole('textbox', { name: 'Domains' });
    await user.type(domains, 'test.lan, bad_name{{');
    await user.click(within(dialog).getByRole('button', { name: 'Create certificate' }));
    expect(document.getElementById(domains.getAttribute('aria-describedby')!)?.textContent).toBe(
      'Domain "bad_name{" may contain only letters, digits, "-" and "." (no spaces, ports, paths or wildcards)',
    );
    expect(api.certificates.createSelfSigned).not.toHaveBeenCalled();

    await user.clear(domains);
    await user.type(domains, 'test.lan{enter}www.test.lan');
    await user.clear(within(dialog).getByRole('textbox', { name: 'Valid for (days)' }));
    await user.type(within(dialog).getByRole('textbox', { name: 'Valid for (days)' }), '30');
    await user.click(within(dialog).getByRole('button', { name: 'Create certificate' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.certificates.createSelfSigned).toHaveBeenCalledWith({ domains: ['test.lan', 'www.test.lan'], days: 30 });
    await waitFor(() => expect(rowOf('test.lan')).toBeTruthy());
  });

  it('uploads a certificate and its key pasted as PEM, refusing text that is not PEM', async () => {
    const { api, user } = await openPage();
    await user.click(screen.getByRole('button', { name: 'Upload certificate' }));
    const dialog = screen.getByRole('dialog', { name: 'Upload a certificate' });
    const certificate = within(dialog).getByRole('textbox', { name: 'Certificate' });
    await user.type(certificate, 'not a certificate');
    await user.type(within(dialog).getByRole('textbox', { name: 'Private key' }), '-----BEGIN PRIVATE KEY-----{enter}abc{enter}-----END PRIVATE KEY-----');
    await user.click(within(dialog).getByRole('button', { name: 'Upload' }));
    expect(document.getElementById(certificate.getAttribute('aria-describedby')!)?.textContent).toBe('certificatePem must be PEM ("-----BEGIN ...")');
    expect(api.certificates.upload).not.toHaveBeenCalled();

    await user.clear(certificate);
    await user.type(certificate, '-----BEGIN CERTIFICATE-----{enter}xyz{enter}-----END CERTIFICATE-----');
    await user.type(within(dialog).getByRole('textbox', { name: 'Name' }), 'shop');
    await user.click(within(dialog).getByRole('button', { name: 'Upload' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.certificates.upload).toHaveBeenCalledWith({
      name: 'shop',
      certificatePem: '-----BEGIN CERTIFICATE-----\nxyz\n-----END CERTIFICATE-----',
      privateKeyPem: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    });
  });

  it('gives a viewer the list without upload, create, renew or delete', async () => {
    proxyTestSession.role = 'viewer';
    await openPage();
    expect(screen.getAllByRole('row')).toHaveLength(5);
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });
});
