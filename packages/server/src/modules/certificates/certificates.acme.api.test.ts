import { X509Certificate } from 'node:crypto';
import type { Certificate, ProxyHost } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContainers } from '../../test-helpers/docker.js';
import { startPebble, type TestPebble } from '../../test-helpers/pebble.js';
import { proxyReported, startProxyAgent, startTestNginx, startUpstreamContainer, type ProxyTestAgent, type TestNginx, type UpstreamContainer } from '../../test-helpers/proxy.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const MARKER = 'hello over HTTPS from the upstream container';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * End to end: a proxy host on a real agent driving a real nginx, an ACME certificate
 * from a real pebble validated over HTTP-01 through that nginx, served over HTTPS to a
 * client that trusts only pebble's root, then renewed and redeployed.
 */
describe('ACME certificates from pebble, served by nginx', () => {
  let nginx: TestNginx;
  let pebble: TestPebble;
  let server: TestServer;
  let agent: ProxyTestAgent;
  let upstream: UpstreamContainer;
  let pebbleRoot: string;
  const containers = new TestContainers();
  const others: Array<{ agent: ProxyTestAgent; nginx: TestNginx }> = [];

  beforeAll(async () => {
    nginx = await startTestNginx();
    // pebble resolves every name to 127.0.0.1 and validates on this nginx's HTTP port.
    pebble = await startPebble({ httpPort: nginx.httpPort });
    pebbleRoot = await pebble.issuingRoot();
    // ACME from pebble (trusting its HTTPS CA); the renewal check runs every second.
    server = await startTestServer('sqlite', undefined, { config: { acmeDirectoryUrl: pebble.directoryUrl, acmeCaFile: pebble.caFile, certificateRenewalCheckSeconds: 1 } });
    agent = await startProxyAgent(server.admin, 'acme-host', { nginx });
    await proxyReported(server.admin, agent.agentId);
    upstream = await startUpstreamContainer(containers, MARKER);
  }, 120_000);
  afterAll(async () => {
    for (const other of others) {
      await other.agent.destroy();
      await other.nginx.stop();
    }
    await agent?.destroy();
    await containers.removeAll();
    await server?.destroy();
    await pebble?.stop();
    await nginx?.stop();
  });

  /** POST .../ssl as the admin, keeping the status the client does not show. */
  async function requestAcme(agentId: string, proxyHostId: string): Promise<{ status: number; host: ProxyHost }> {
    const response = await fetch(`${server.baseUrl}/api/v1/agents/${agentId}/proxies/${proxyHostId}/ssl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.admin.currentTokens!.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'acme' }),
    });
    return { status: response.status, host: (await response.json()) as ProxyHost };
  }

  const certificateWhen = (id: string, condition: (certificate: Certificate) => boolean, what: string) =>
    eventually(async () => {
      const certificate = await server.admin.certificates.get(id);
      return condition(certificate) ? certificate : undefined;
    }, what, 60_000);

  const servedCertificate = async () => {
    const response = await nginx.request({ host: 'app.test', https: true, ca: pebbleRoot });
    return { response, leaf: response.peerCertificate! };
  };

  let certificateId: string;
  let proxyHostId: string;

  it('issues a certificate for app.test over HTTP-01 through nginx and serves the container over HTTPS with it', async () => {
    const created = await server.admin.proxies.create(agent.agentId, {
      domain: 'app.test',
      upstream: { kind: 'container', container: upstream.name, port: upstream.port },
    });
    proxyHostId = created.id;
    expect(created.sslEnabled).toBe(false);

    const { status, host } = await requestAcme(agent.agentId, proxyHostId);
    expect(status).toBe(202);
    expect(host.certificate).toMatchObject({ source: 'acme', status: 'pending' });
    certificateId = host.certificateId!;

    const certificate = await certificateWhen(certificateId, (candidate) => candidate.status !== 'pending', 'the ACME order ends');
    expect(certificate).toMatchObject({ status: 'valid', lastError: null, domains: ['app.test'], agentId: agent.agentId, acmeDirectoryUrl: pebble.directoryUrl });
    expect(certificate.proxyHosts).toEqual([{ id: proxyHostId, domain: 'app.test', agentId: agent.agentId, agentName: 'acme-host' }]);

    const deployed = await eventually(async () => {
      const current = await server.admin.proxies.get(agent.agentId, proxyHostId);
      return current.sslEnabled ? current : undefined;
    }, 'the proxy host is redeployed with its certificate', 30_000);

    // A client trusting only pebble's root reaches the container, and sees pebble's certificate.
    const { response, leaf } = await servedCertificate();
    expect(response.status).toBe(200);
    expect(response.body).toBe(MARKER);
    expect(leaf.issuer.CN).toMatch(/^Pebble Intermediate CA/);
    expect(leaf.subjectaltname).toBe('DNS:app.test');
    expect(leaf.serialNumber.toUpperCase()).toBe(certificate.serialNumber!.toUpperCase());
    expect(certificate.issuer).toContain(leaf.issuer.CN);
    const validTo = new Date(leaf.valid_to).toISOString();
    expect(certificate.expiresAt).toBe(validTo);
    expect(deployed.sslExpiresAt).toBe(validTo);

    // Plain HTTP now redirects to HTTPS (on the test nginx's HTTPS port).
    const plain = await nginx.request({ host: 'app.test' });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://app.test:${nginx.httpsPort}/`);
  });

  it('renews it once inside the 30-day window, and nginx serves the new certificate', async () => {
    const before = await server.admin.certificates.get(certificateId);
    // As if it were a 90-day certificate with ten days left: the renewal check (every second) picks it up.
    const now = server.clock.now().getTime();
    const soon = new Date(now + 10 * DAY_MS).toISOString();
    const issued = new Date(now - 80 * DAY_MS).toISOString();
    await server.app.database.root.updateTable('certificates').set({ expires_at: soon, not_before: issued }).where('id', '=', certificateId).execute();

    const renewed = await certificateWhen(certificateId, (candidate) => candidate.serialNumber !== before.serialNumber, 'the certificate is renewed');
    expect(renewed).toMatchObject({ status: 'valid', lastError: null });
    expect(Date.parse(renewed.expiresAt!)).toBeGreaterThan(Date.parse(soon));

    const leaf = await eventually(async () => {
      const served = await servedCertificate();
      return served.leaf.serialNumber.toUpperCase() === renewed.serialNumber!.toUpperCase() ? served : undefined;
    }, 'nginx serves the renewed certificate', 30_000);
    expect(leaf.response.body).toBe(MARKER);
    // The proxy host's row is written once nginx has reloaded.
    await eventually(
      async () => (await server.admin.proxies.get(agent.agentId, proxyHostId)).sslExpiresAt === renewed.expiresAt,
      'the proxy host shows the renewed certificate\'s expiry',
    );
  });

  it('renews on request (202) too', async () => {
    const before = await server.admin.certificates.get(certificateId);
    const started = await server.admin.certificates.renew(certificateId);
    expect(started).toMatchObject({ id: certificateId, status: 'valid' });
    const renewed = await certificateWhen(certificateId, (candidate) => candidate.serialNumber !== before.serialNumber, 'the certificate is renewed on request');
    expect(new X509Certificate(pebbleRoot).subject).toMatch(/Pebble Root CA/);
    await eventually(
      async () => (await servedCertificate()).leaf.serialNumber.toUpperCase() === renewed.serialNumber!.toUpperCase(),
      'nginx serves the certificate renewed on request',
      30_000,
    );
  });

  it('fails an order whose challenge nginx cannot answer, saying why, and keeps serving plain HTTP', async () => {
    // A second host's nginx: pebble validates on the first one's port, which knows nothing of this name.
    const elsewhere = await startTestNginx();
    const otherAgent = await startProxyAgent(server.admin, 'unreachable-host', { nginx: elsewhere });
    others.push({ agent: otherAgent, nginx: elsewhere });
    await proxyReported(server.admin, otherAgent.agentId);
    const created = await server.admin.proxies.create(otherAgent.agentId, { domain: 'unreachable.test', upstream: { kind: 'address', host: upstream.ip, port: upstream.port } });

    const { status, host } = await requestAcme(otherAgent.agentId, created.id);
    expect(status).toBe(202);
    const certificate = await certificateWhen(host.certificateId!, (candidate) => candidate.status !== 'pending', 'the doomed ACME order ends');
    expect(certificate.status).toBe('failed');
    expect(certificate.lastError).toMatch(/unreachable\.test/);
    expect(certificate.lastError).toMatch(/404/);

    const after = await server.admin.proxies.get(otherAgent.agentId, created.id);
    expect(after).toMatchObject({ sslEnabled: false, certificate: { id: certificate.id, status: 'failed', lastError: certificate.lastError } });
    const plain = await elsewhere.request({ host: 'unreachable.test' });
    expect(plain.status).toBe(200);
    expect(plain.body).toBe(MARKER);
  });
});
