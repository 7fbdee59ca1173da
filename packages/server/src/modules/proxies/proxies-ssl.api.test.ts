import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProxyHostInputBody } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { TestContainers, uniqueName } from '../../test-helpers/docker.js';
import { proxyReported, startProxyAgent, startTestNginx, startUpstreamContainer, type ProxyTestAgent, type TestNginx, type UpstreamContainer } from '../../test-helpers/proxy.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const MARKER = 'served over https';

describe('HTTPS for proxy hosts, against a real agent, nginx and dockerd', () => {
  let server: TestServer;
  let nginx: TestNginx;
  let agent: ProxyTestAgent;
  let agentId: string;
  let upstream: UpstreamContainer;
  const containers = new TestContainers();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
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
});
