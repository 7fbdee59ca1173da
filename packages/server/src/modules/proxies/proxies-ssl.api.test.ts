import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { proxyHostInputOf, type ProxyHostInputBody } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { TestContainers, uniqueName } from '../../test-helpers/docker.js';
import { proxyReported, startProxyAgent, startTestNginx, startUpstreamContainer, type ProxyTestAgent, type TestNginx, type UpstreamContainer } from '../../test-helpers/proxy.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const MARKER = 'served over https';

describe('HTTPS for proxy hosts, against a real agent, nginx and dockerd', () => {
  let server: TestServer;
  let nginx: TestNginx;
  let agent: ProxyTestAgent;
  let agentId: string;
  let upstream: UpstreamContainer;
  const containers = new TestContainers();

  // Where the ACME directory should be, a server that is no CA (404 to everything): an order fails at once.
  const notACa = createServer((_request, response) => response.writeHead(404).end('no ACME here'));

  beforeAll(async () => {
    await new Promise<void>((resolve) => notACa.listen(0, '127.0.0.1', resolve));
    const { port } = notACa.address() as AddressInfo;
    server = await startTestServer('sqlite', undefined, { config: { acmeDirectoryUrl: `http://127.0.0.1:${port}/directory` } });
    nginx = await startTestNginx();
    agent = await startProxyAgent(server.admin, 'tls-host', { nginx });
    agentId = agent.agentId;
    await proxyReported(server.admin, agentId);
    upstream = await startUpstreamContainer(containers, MARKER);
  });
  afterAll(async () => {
    await agent?.destroy();
    await containers.removeAll();
    await nginx?.stop();
    await server?.destroy();
    await new Promise((resolve) => notACa.close(resolve));
  });

  const domain = (label: string) => `${uniqueName(label)}.test`;
  const toUpstream = (name: string, extra: Partial<ProxyHostInputBody> = {}): ProxyHostInputBody => ({
    domain: name,
    upstream: { kind: 'address', host: upstream.ip, port: upstream.port },
    ...extra,
  });
  /** The certificate the agent deployed for a proxy host: what an HTTPS client of it trusts here. */
  const deployedCertificate = (proxyHostId: string) => readFile(join(nginx.proxyPolicy.nginx.certificateDirectory, `${proxyHostId}.crt`), 'utf8');

  it('serves HTTPS with an existing certificate: HTTP answers 301 to https, HTTPS sends HSTS', async () => {
    const name = domain('secure');
    const certificate = await server.admin.certificates.createSelfSigned({ domains: [name], days: 30 });
    const created = await server.admin.proxies.create(agentId, toUpstream(name, { securityHeaders: { hstsMaxAgeSeconds: 600, hstsIncludeSubdomains: true } }));
    expect(created.sslEnabled).toBe(false);

    const secured = await server.admin.proxies.requestSsl(agentId, created.id, { source: 'existing', certificateId: certificate.id });
    expect(secured).toMatchObject({
      sslEnabled: true,
      certificateId: certificate.id,
      sslExpiresAt: certificate.expiresAt,
      certificate: { id: certificate.id, source: 'self_signed', status: 'valid' },
    });

    const redirect = await nginx.request({ host: name, path: '/some/page?x=1' });
    expect(redirect.status).toBe(301);
    // The test nginx serves HTTPS on a free port, not 443: the redirect names it.
    expect(redirect.headers.location).toBe(`https://${name}:${nginx.httpsPort}/some/page?x=1`);

    const pem = await deployedCertificate(created.id);
    const response = await nginx.request({ host: name, https: true, ca: pem });
    expect([response.status, response.body]).toEqual([200, MARKER]);
    expect(response.headers['strict-transport-security']).toBe('max-age=600; includeSubDomains');
    expect(response.peerCertificate?.serialNumber.toUpperCase()).toBe(new X509Certificate(pem).serialNumber.toUpperCase());
    // The key is for nginx's master only.
    expect((await stat(join(nginx.proxyPolicy.nginx.certificateDirectory, `${created.id}.key`))).mode & 0o777).toBe(0o600);

    const certificateView = await server.admin.certificates.get(certificate.id);
    expect(certificateView.proxyHosts).toEqual([expect.objectContaining({ id: created.id, domain: name, agentId })]);
  });

  it('makes and deploys a self-signed certificate on request, and keeps HTTP when force-SSL is off', async () => {
    const name = domain('selfsigned');
    const created = await server.admin.proxies.create(agentId, toUpstream(name, { forceSsl: false }));
    const secured = await server.admin.proxies.requestSsl(agentId, created.id, { source: 'self_signed', days: 10 });
    expect(secured).toMatchObject({ sslEnabled: true, certificate: { source: 'self_signed', status: 'valid' } });

    const plain = await nginx.request({ host: name });
    expect([plain.status, plain.body]).toEqual([200, MARKER]);
    const response = await nginx.request({ host: name, https: true, ca: await deployedCertificate(created.id) });
    expect([response.status, response.body]).toEqual([200, MARKER]);
    expect(response.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
  });

  it('refuses a certificate that does not cover the domain with 400, and changes nothing', async () => {
    const name = domain('uncovered');
    const certificate = await server.admin.certificates.createSelfSigned({ domains: [domain('elsewhere')], days: 30 });
    const created = await server.admin.proxies.create(agentId, toUpstream(name));
    const failure = await apiFailure(server.admin.proxies.requestSsl(agentId, created.id, { source: 'existing', certificateId: certificate.id }));
    expect([failure.status, failure.code]).toEqual([400, 'validation_failed']);
    expect(failure.message).toMatch(/does not cover/);
    expect(await server.admin.proxies.get(agentId, created.id)).toMatchObject({ certificateId: null, sslEnabled: false, configHash: created.configHash });
    expect((await nginx.request({ host: name })).status).toBe(200);
  });

  it('stops serving HTTPS when the certificate is taken off again', async () => {
    const name = domain('unsecured');
    const certificate = await server.admin.certificates.createSelfSigned({ domains: [name], days: 30 });
    const created = await server.admin.proxies.create(agentId, toUpstream(name, { certificateId: certificate.id }));
    expect(created.sslEnabled).toBe(true);
    expect((await nginx.request({ host: name })).status).toBe(301);
    // In use: the certificate cannot be deleted.
    expect((await apiFailure(server.admin.certificates.remove(certificate.id))).status).toBe(409);

    const plain = await server.admin.proxies.update(agentId, created.id, toUpstream(name, { certificateId: null }));
    expect(plain).toMatchObject({ sslEnabled: false, certificate: null, sslExpiresAt: null });
    const response = await nginx.request({ host: name });
    expect([response.status, response.body]).toEqual([200, MARKER]);
  });

  // Regression: requesting an ACME certificate dropped HTTPS until it was issued, and for good when its order failed.
  it('keeps serving the certificate it had while a new ACME one is ordered, and after that order failed', async () => {
    const name = domain('reordered');
    const selfSigned = await server.admin.certificates.createSelfSigned({ domains: [name], days: 30 });
    const created = await server.admin.proxies.create(agentId, toUpstream(name, { certificateId: selfSigned.id }));
    const pem = await deployedCertificate(created.id);

    const requested = await server.admin.proxies.requestSsl(agentId, created.id, { source: 'acme' });
    expect(requested).toMatchObject({ sslEnabled: true, sslExpiresAt: selfSigned.expiresAt, certificate: { source: 'acme', status: 'pending' } });
    const ordered = requested.certificateId!;
    expect(ordered).not.toBe(selfSigned.id);
    const failed = await eventually(async () => {
      const certificate = await server.admin.certificates.get(ordered);
      return certificate.status === 'failed' ? certificate : undefined;
    }, 'the ACME order fails');
    expect(failed.lastError).toEqual(expect.any(String));

    // Saved again as it is: the file is rewritten, still with the self-signed certificate.
    const saved = await server.admin.proxies.update(agentId, created.id, proxyHostInputOf(await server.admin.proxies.get(agentId, created.id)));
    expect(saved).toMatchObject({ sslEnabled: true, sslExpiresAt: selfSigned.expiresAt, certificateId: ordered, status: 'active' });
    expect(await deployedCertificate(created.id)).toBe(pem);
    expect((await nginx.request({ host: name })).status).toBe(301);
    const response = await nginx.request({ host: name, https: true, ca: pem });
    expect([response.status, response.body]).toEqual([200, MARKER]);
  });

  it('refuses to rename a host to a domain its certificate does not cover (400 naming certificateId), unless the certificate goes too', async () => {
    const name = domain('renamed');
    const certificate = await server.admin.certificates.createSelfSigned({ domains: [name], days: 30 });
    const created = await server.admin.proxies.create(agentId, toUpstream(name, { certificateId: certificate.id }));
    const renamed = domain('renamed-to');
    const failure = await apiFailure(server.admin.proxies.update(agentId, created.id, toUpstream(renamed, { certificateId: certificate.id })));
    expect([failure.status, failure.code]).toEqual([400, 'validation_failed']);
    expect(failure.details).toEqual([{ path: 'body.certificateId', message: expect.stringMatching(/does not cover/) }]);
    expect(await server.admin.proxies.get(agentId, created.id)).toMatchObject({ domain: name, sslEnabled: true, configHash: created.configHash });

    const plain = await server.admin.proxies.update(agentId, created.id, toUpstream(renamed, { certificateId: null }));
    expect(plain).toMatchObject({ domain: renamed, sslEnabled: false, certificate: null });
    expect((await nginx.request({ host: renamed })).body).toBe(MARKER);
  });
});
