import { randomBytes } from 'node:crypto';
import type { InfraPilotClient } from '@infrapilot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalCa } from '../../platform/crypto/internal-ca.js';
import { newId } from '../../platform/ids.js';
import { createAnotherOrg } from '../../test-helpers/another-org.js';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { insertAgent, proxyHostRow } from '../../test-helpers/fixtures.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';
import { createSelfSignedCertificate } from './self-signed.js';

const PASSWORD = 'a password long enough';
const DAY_MS = 24 * 60 * 60 * 1000;

describeOnBothDialects('certificates API', (dialect) => {
  let server: TestServer;
  let viewer: InfraPilotClient;
  let orgId: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    await server.admin.users.create({ email: 'viewer@example.com', password: PASSWORD, role: 'viewer' });
    viewer = await server.signIn('viewer@example.com', PASSWORD);
    orgId = (await server.admin.auth.me()).org!.id;
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** A proxy host row of a fresh host of the admin's org that uses the certificate (what the proxies module writes). */
  async function useFromProxyHost(certificateId: string, domain: string): Promise<{ agentName: string; proxyHostId: string }> {
    const agent = await insertAgent(server.app.database, orgId);
    const row = proxyHostRow(agent.id, { domain, certificate_id: certificateId, ssl_enabled: 1, force_ssl: 1 });
    await server.app.database.root.insertInto('proxy_hosts').values(row).execute();
    return { agentName: agent.name, proxyHostId: row.id };
  }

  describe('uploading', () => {
    it('stores a good pair (201) with its domains, issuer, serial and expiry read from the certificate', async () => {
      const ca = await InternalCa.create('Upload CA');
      const tls = await ca.issueServerCertificate(['shop.example.com', 'www.shop.example.com']);
      const certificate = await server.admin.certificates.upload({ certificatePem: tls.certificateChainPem, privateKeyPem: tls.keyPem });
      expect(certificate).toMatchObject({
        name: 'shop.example.com',
        domains: ['shop.example.com', 'www.shop.example.com'],
        source: 'uploaded',
        status: 'valid',
        issuer: expect.stringMatching(/^CN=Upload CA/),
        serialNumber: expect.stringMatching(/^[0-9A-F]+$/),
        autoRenew: false,
        agentId: null,
        lastError: null,
        proxyHosts: [],
      });
      expect(certificate.daysLeft).toBeGreaterThanOrEqual(364);
      expect(Date.parse(certificate.expiresAt!)).toBeGreaterThan(Date.now() + 364 * DAY_MS);
      expect(await server.admin.certificates.get(certificate.id)).toEqual(certificate);
    });

    it('never writes the private key to the audit row', async () => {
      const pair = await createSelfSignedCertificate(['audited.example.com'], 30, new Date());
      const certificate = await server.admin.certificates.upload({ name: 'audited', ...pair });
      const { items } = await server.admin.audit.list({ action: 'certificate.upload', resourceId: certificate.id });
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ resourceType: 'certificate', responseStatus: 201, requestBody: { name: 'audited', privateKeyPem: '[REDACTED]' } });
      const keyBody = pair.privateKeyPem.split('\n')[1]!;
      expect(JSON.stringify(await server.admin.audit.list({ limit: 200 }))).not.toContain(keyBody);
    });

    it('refuses a key that does not match the certificate (400, naming the field) and stores nothing', async () => {
      const one = await createSelfSignedCertificate(['mismatch.example.com'], 30, new Date());
      const other = await createSelfSignedCertificate(['other.example.com'], 30, new Date());
      const before = (await server.admin.certificates.list({ limit: 200 })).items.length;
      const failure = await apiFailure(server.admin.certificates.upload({ certificatePem: one.certificatePem, privateKeyPem: other.privateKeyPem }));
      expect(failure.status).toBe(400);
      expect(failure.code).toBe('validation_failed');
      expect(failure.details).toEqual([{ path: 'body.certificatePem', message: 'the private key does not belong to the (first) certificate' }]);
      expect((await server.admin.certificates.list({ limit: 200 })).items).toHaveLength(before);
      const { items } = await server.admin.audit.list({ action: 'certificate.upload', limit: 1 });
      expect(items[0]).toMatchObject({ responseStatus: 400, requestBody: { privateKeyPem: '[REDACTED]' } });
    });

    it('refuses garbage (400)', async () => {
      const good = await createSelfSignedCertificate(['garbage.example.com'], 30, new Date());
      for (const body of [
        { certificatePem: 'hello', privateKeyPem: good.privateKeyPem },
        { certificatePem: '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n', privateKeyPem: good.privateKeyPem },
        { certificatePem: good.certificatePem, privateKeyPem: '-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n' },
        { certificatePem: `${good.certificatePem}\u0000`, privateKeyPem: good.privateKeyPem },
      ]) {
        const failure = await apiFailure(server.admin.certificates.upload(body));
        expect(failure.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(failure.code).toBe('validation_failed');
      }
    });

    it('refuses an expired certificate', async () => {
      const expired = await createSelfSignedCertificate(['expired.example.com'], 1, new Date(Date.now() - 30 * DAY_MS));
      const failure = await apiFailure(server.admin.certificates.upload(expired));
      expect(failure.status).toBe(400);
      expect(failure.message).toContain('expired');
    });

    it('lets a viewer look but not upload (403)', async () => {
      const pair = await createSelfSignedCertificate(['viewer.example.com'], 30, new Date());
      expect((await apiFailure(viewer.certificates.upload(pair))).status).toBe(403);
      expect((await apiFailure(viewer.certificates.createSelfSigned({ domains: ['viewer.example.com'] }))).status).toBe(403);
      const created = await server.admin.certificates.createSelfSigned({ domains: ['viewer.example.com'] });
      expect((await viewer.certificates.get(created.id)).id).toBe(created.id);
      expect((await apiFailure(viewer.certificates.remove(created.id))).status).toBe(403);
      expect((await apiFailure(viewer.certificates.renew(created.id))).status).toBe(403);
    });
  });

  describe('self-signed', () => {
    it('creates one (201) for the domains, IDNs in punycode, valid for the days asked', async () => {
      const certificate = await server.admin.certificates.createSelfSigned({ name: 'internal', domains: ['intranet.example.com', 'Bücher.example'], days: 10 });
      expect(certificate).toMatchObject({
        name: 'internal',
        domains: ['intranet.example.com', 'xn--bcher-kva.example'],
        source: 'self_signed',
        status: 'valid',
        issuer: 'CN=intranet.example.com',
        autoRenew: false,
        daysLeft: expect.any(Number),
      });
      expect(certificate.daysLeft).toBeGreaterThanOrEqual(9);
      expect(certificate.daysLeft).toBeLessThanOrEqual(10);
      const { items } = await server.admin.audit.list({ action: 'certificate.create_self_signed', resourceId: certificate.id });
      expect(items[0]).toMatchObject({ responseStatus: 201 });
    });

    it('refuses a domain outside the grammar (400)', async () => {
      for (const domain of ['a b.example', 'evil.example;include /etc/passwd', '*.example.com', '10.0.0.1']) {
        const failure = await apiFailure(server.admin.certificates.createSelfSigned({ domains: [domain] }));
        expect(failure.status, domain).toBe(400);
      }
      expect((await apiFailure(server.admin.certificates.createSelfSigned({ domains: [] }))).status).toBe(400);
      expect((await apiFailure(server.admin.certificates.createSelfSigned({ domains: ['ok.example.com'], days: 0 }))).status).toBe(400);
    });
  });

  describe('reading', () => {
    it('never returns a private key, in a list or alone', async () => {
      const pair = await createSelfSignedCertificate(['secret-key.example.com'], 30, new Date());
      const uploaded = await server.admin.certificates.upload(pair);
      const selfSigned = await server.admin.certificates.createSelfSigned({ domains: ['secret-key-2.example.com'] });
      const replies = JSON.stringify([await server.admin.certificates.list({ limit: 200 }), await server.admin.certificates.get(uploaded.id), await server.admin.certificates.get(selfSigned.id)]);
      expect(replies).not.toContain('PRIVATE KEY');
      expect(replies).not.toContain(pair.privateKeyPem.split('\n')[1]!);
      expect(replies).not.toMatch(/privateKey|private_key|certificatePem/i);
    });

    it('pages through the list in name order', async () => {
      const prefix = `paged-${randomBytes(3).toString('hex')}`;
      for (const name of ['c', 'a', 'b']) await server.admin.certificates.createSelfSigned({ name: `${prefix}-${name}`, domains: ['paged.example.com'] });
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await server.admin.certificates.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        names.push(...page.items.map((item) => item.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(names.filter((name) => name.startsWith(prefix))).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
      expect(names).toEqual([...names].sort());
      expect((await apiFailure(server.admin.certificates.list({ cursor: 'not-a-cursor' }))).status).toBe(400);
    });

    it("answers 404 for another org's certificate and an unknown id", async () => {
      const { founder } = await createAnotherOrg(server);
      const theirs = await founder.certificates.createSelfSigned({ domains: ['theirs.example.com'] });
      expect((await apiFailure(server.admin.certificates.get(theirs.id))).status).toBe(404);
      expect((await apiFailure(server.admin.certificates.remove(theirs.id))).status).toBe(404);
      expect((await apiFailure(server.admin.certificates.renew(theirs.id))).status).toBe(404);
      expect((await server.admin.certificates.list({ limit: 200 })).items.map((item) => item.id)).not.toContain(theirs.id);
      expect((await apiFailure(server.admin.certificates.get(newId()))).status).toBe(404);
      expect((await founder.certificates.get(theirs.id)).id).toBe(theirs.id);
    });

    it('says which ACME CA it issues from', async () => {
      expect(await viewer.certificates.acmeSettings()).toEqual({ directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', preset: 'letsencrypt', renewBeforeDays: 30 });
    });
  });

  describe('deleting and renewing', () => {
    it('refuses (409) to delete a certificate a proxy host uses, naming it, and deletes it once unused', async () => {
      const certificate = await server.admin.certificates.createSelfSigned({ domains: ['used.example.com'] });
      const { agentName, proxyHostId } = await useFromProxyHost(certificate.id, 'used.example.com');
      expect((await server.admin.certificates.get(certificate.id)).proxyHosts).toEqual([{ id: proxyHostId, domain: 'used.example.com', agentId: expect.any(String), agentName }]);

      const failure = await apiFailure(server.admin.certificates.remove(certificate.id));
      expect(failure.status).toBe(409);
      expect(failure.message).toContain(`used.example.com (on ${agentName})`);
      expect((await server.admin.certificates.get(certificate.id)).id).toBe(certificate.id);

      await server.app.database.root.updateTable('proxy_hosts').set({ certificate_id: null }).where('id', '=', proxyHostId).execute();
      expect(await server.admin.certificates.remove(certificate.id)).toEqual({ ok: true });
      expect((await apiFailure(server.admin.certificates.get(certificate.id))).status).toBe(404);
      const { items } = await server.admin.audit.list({ action: 'certificate.delete', resourceId: certificate.id });
      expect(items.map((item) => item.responseStatus)).toEqual([200, 409]);
    });

    it('renews only ACME certificates (409 otherwise)', async () => {
      const certificate = await server.admin.certificates.createSelfSigned({ domains: ['not-acme.example.com'] });
      const failure = await apiFailure(server.admin.certificates.renew(certificate.id));
      expect(failure.status).toBe(409);
      expect(failure.message).toContain('only ACME certificates are renewed');
    });
  });
});
