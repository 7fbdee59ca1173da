import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { AgentMessageSchema, ProxyChallengeResultSchema, type ServerMessage } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRouter } from '../../gateway/command-router.js';
import { type DomainEvents, EventBus } from '../../platform/events/event-bus.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import { newId } from '../../platform/ids.js';
import type { Actor } from '../../platform/http/request-context.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { certificateRow, insertAgent, insertOrg, proxyHostRow } from '../../test-helpers/fixtures.js';
import { freePort } from '../../test-helpers/free-port.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { startPebble, type TestPebble } from '../../test-helpers/pebble.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { type CertificatesModule, createCertificatesModule, type CertificatesModuleSettings } from './index.js';
import { certificateBlocks } from './pem-inspection.js';
import { renewalWindowMs } from './renewal-schedule.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * The background side of ACME (orders, storage, events, renewal) against a real pebble.
 * The host's agent is a scripted session on the real command router: it answers
 * proxy.challenge by putting the answer where a plain HTTP server on pebble's validation
 * port serves it (nginx's part, covered end to end in certificates.acme.api.test.ts).
 */
describeOnBothDialects('ACME orders and renewals', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let pebble: TestPebble;
  let webroot: Server;
  let module: CertificatesModule;
  const answers = new Map<string, string>();
  const commands = new CommandRouter();
  const bus = new EventBus();
  const clock = new FakeClock();
  const events: Array<{ name: string; payload: DomainEvents['certificate.issued'] | DomainEvents['certificate.failed'] }> = [];
  let actor: Actor;
  let agentId: string;
  let agentName: string;
  /** Whether the scripted agent really serves the answers it is given. */
  let serving = true;
  /** Called as the scripted agent takes a challenge, before it answers. */
  let onChallenge: (() => void) | undefined;

  beforeAll(async () => {
    const httpPort = await freePort();
    webroot = createServer((request, response) => {
      const token = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(request.url ?? '')?.[1];
      const answer = token ? answers.get(token) : undefined;
      response.writeHead(answer ? 200 : 404).end(answer ?? 'not found');
    });
    await new Promise<void>((resolve) => webroot.listen(httpPort, '127.0.0.1', resolve));
    pebble = await startPebble({ httpPort });

    const orgId = await insertOrg(handle());
    const agent = await insertAgent(handle(), orgId);
    agentId = agent.id;
    agentName = agent.name;
    actor = { identity: { kind: 'user', userId: 'u', sessionId: 's', email: 'requester@example.com' }, org: { id: orgId, slug: 'o', name: 'O', role: 'operator' } };
    commands.attach({
      agentId,
      capabilities: new Set(['proxy.challenge']),
      close: () => undefined,
      send: (message: ServerMessage) => {
        if (message.payload.case !== 'proxyChallenge') return;
        const { token, keyAuthorization, remove } = message.payload.value;
        if (!remove) onChallenge?.();
        if (remove) answers.delete(token);
        else if (serving) answers.set(token, keyAuthorization);
        queueMicrotask(() =>
          commands.receive(agentId, create(AgentMessageSchema, { requestId: message.requestId, payload: { case: 'proxyChallenge', value: create(ProxyChallengeResultSchema, {}) } })),
        );
      },
    });
    for (const name of ['certificate.issued', 'certificate.failed'] as const) bus.subscribe(name, (payload) => void events.push({ name, payload }));
    module = createCertificatesModule({
      database: handle(),
      transaction: handle().transaction,
      hosts: { getAgent: async (_actor, id) => ({ id, name: agentName }) },
      commands,
      bus,
      secretBox: new SecretBox(randomBytes(32)),
      clock,
      settings: { directoryUrl: pebble.directoryUrl, caFile: pebble.caFile, email: undefined, renewBeforeDays: 30 },
      logger: { info: () => undefined, warn: () => undefined },
    });
  });
  afterAll(async () => {
    await module?.settled();
    await pebble?.stop();
    await new Promise((resolve) => webroot?.close(resolve));
  });

  const statusOf = async (id: string) => (await module.certificates.get(actor, id)).status;
  const servedSerial = (pem: string) => new X509Certificate(certificateBlocks(pem)[0]!).serialNumber;
  const rowOf = (id: string) => handle().root.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** An ACME certificate issued by pebble for `domain`. */
  async function issued(domain: string): Promise<string> {
    const id = await module.certificates.startAcmeIssue({ actor, agentId, agentName, domains: [domain] });
    await module.settled();
    expect(await statusOf(id)).toBe('valid');
    return id;
  }

  /** A proxy host on the scripted agent that has the certificate attached (or only deployed): only certificates in use renew. */
  async function serveOnProxyHost(certificateId: string, column: 'certificate_id' | 'deployed_certificate_id' = 'certificate_id'): Promise<void> {
    const at = clock.now().toISOString();
    const row = proxyHostRow(agentId, {
      domain: `uses-${randomBytes(4).toString('hex')}.test`,
      certificate_id: column === 'certificate_id' ? certificateId : null,
      deployed_certificate_id: certificateId,
      ssl_enabled: 1,
      created_at: at,
      updated_at: at,
    });
    await handle().root.insertInto('proxy_hosts').values(row).execute();
  }

  /** Makes the certificate's row look like a 90-day certificate with `daysLeft` days left, as time passing would. */
  async function placeInWindow(certificateId: string, daysLeft: number): Promise<string> {
    const expiresAt = new Date(clock.now().getTime() + daysLeft * DAY_MS).toISOString();
    const notBefore = new Date(clock.now().getTime() - (90 - daysLeft) * DAY_MS).toISOString();
    await handle().root.updateTable('certificates').set({ expires_at: expiresAt, not_before: notBefore }).where('id', '=', certificateId).execute();
    return expiresAt;
  }

  it('issues in the background: pending, then valid with its key sealed, the account registered, certificate.issued told', async () => {
    const id = await module.certificates.startAcmeIssue({ actor, agentId, agentName, domains: ['orders.test', 'www.orders.test'] });
    expect(await statusOf(id)).toBe('pending');
    await module.settled();
    const certificate = await module.certificates.get(actor, id);
    expect(certificate).toMatchObject({ status: 'valid', source: 'acme', autoRenew: true, agentId, lastError: null, acmeDirectoryUrl: pebble.directoryUrl, domains: ['orders.test', 'www.orders.test'] });
    expect(certificate.issuer).toMatch(/Pebble Intermediate CA/);

    const material = await module.certificates.material(actor.org.id, id);
    const leaf = new X509Certificate(certificateBlocks(material!.certificatePem)[0]!);
    expect(leaf.checkPrivateKey(createPrivateKey(material!.privateKeyPem))).toBe(true);
    expect(material!.expiresAt).toBe(leaf.validToDate.toISOString());
    expect(certificate.serialNumber).toBe(leaf.serialNumber);
    const row = await handle().root.selectFrom('certificates').select('private_key_sealed').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.private_key_sealed).not.toContain('PRIVATE KEY');

    const account = await handle().root.selectFrom('acme_accounts').selectAll().where('org_id', '=', actor.org.id).executeTakeFirstOrThrow();
    expect(account).toMatchObject({ directory_url: pebble.directoryUrl, email: 'requester@example.com', account_url: expect.stringMatching(/^https:/) });
    expect(account.account_key_sealed).not.toContain('PRIVATE KEY');
    expect(events).toContainEqual({ name: 'certificate.issued', payload: { orgId: actor.org.id, certificateId: id, at: expect.any(String) } });
    expect(answers.size).toBe(0);
  });

  it('runs an order started inside a caller\'s transaction outside it, so it sees the row once committed', async () => {
    const id = await handle().transaction(async () => {
      const started = await module.certificates.startAcmeIssue({ actor, agentId, agentName, domains: ['in-transaction.test'] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return started;
    });
    await module.settled();
    expect(await statusOf(id)).toBe('valid');
  });

  it('fails a first order the CA cannot validate, with its reason, and tells certificate.failed', async () => {
    serving = false;
    try {
      const id = await module.certificates.startAcmeIssue({ actor, agentId, agentName, domains: ['unserved.test'] });
      await module.settled();
      const certificate = await module.certificates.get(actor, id);
      expect(certificate.status).toBe('failed');
      expect(certificate.lastError).toMatch(/unserved\.test|404|unauthorized/i);
      expect(events).toContainEqual({ name: 'certificate.failed', payload: { orgId: actor.org.id, certificateId: id, error: certificate.lastError, at: expect.any(String) } });
    } finally {
      serving = true;
    }
  });

  it('fails an order whose host is offline, saying so', async () => {
    const offline = await insertAgent(handle(), actor.org.id, { name: 'offline-host' });
    const id = await module.certificates.startAcmeIssue({ actor, agentId: offline.id, agentName: 'offline-host', domains: ['offline.test'] });
    await module.settled();
    expect(await module.certificates.get(actor, id)).toMatchObject({ status: 'failed', lastError: 'Agent offline-host is offline' });
  });

  it('retries a failed certificate on request (202 path): pending, then valid', async () => {
    serving = false;
    const id = await module.certificates.startAcmeIssue({ actor, agentId, agentName, domains: ['retried.test'] });
    await module.settled();
    serving = true;
    expect(await statusOf(id)).toBe('failed');
    const renewing = await module.certificates.renew(actor, id);
    expect(renewing).toMatchObject({ status: 'pending', lastError: null });
    await module.settled();
    expect(await statusOf(id)).toBe('valid');
  });

  it('runs one order per certificate at a time', async () => {
    const id = await module.certificates.startAcmeIssue({ actor, agentId, agentName, domains: ['once.test'] });
    const again = await module.certificates.renew(actor, id);
    expect(again.status).toBe('pending');
    await module.settled();
    const issued = events.filter((event) => event.name === 'certificate.issued' && event.payload.certificateId === id);
    expect(issued).toHaveLength(1);
  });

  describe('renewal', () => {
    it('renews a certificate inside the window with a new serial, and then has nothing due', async () => {
      const id = await issued('renewed.test');
      await serveOnProxyHost(id);
      const before = (await module.certificates.material(actor.org.id, id))!;
      const expiresAt = Date.parse(before.expiresAt!);
      // Nothing is due while the certificate has more than 30 days left.
      expect((await module.renewal.renewDue(new Date(expiresAt - 31 * DAY_MS))).map((outcome) => outcome.certificateId)).not.toContain(id);

      const now = new Date(expiresAt - 10 * DAY_MS);
      const outcomes = await module.renewal.renewDue(now);
      expect(outcomes).toContainEqual({ certificateId: id, ok: true });
      const after = (await module.certificates.material(actor.org.id, id))!;
      expect(servedSerial(after.certificatePem)).not.toBe(servedSerial(before.certificatePem));
      expect(after.privateKeyPem).not.toBe(before.privateKeyPem);
      expect(after.status).toBe('valid');
      expect(events.filter((event) => event.name === 'certificate.issued' && event.payload.certificateId === id)).toHaveLength(2);
      // Its new expiry is as far away as the first one was: not due again.
      expect((await module.renewal.renewDue(new Date(Date.now()))).map((outcome) => outcome.certificateId)).not.toContain(id);
    });

    // Regression: every auto-renewing ACME certificate renewed, also one no proxy host served any more.
    it('does not renew a certificate no proxy host uses, and renews one a proxy host still serves while another is issued', async () => {
      const unused = await issued('unused.test');
      const deployedOnly = await issued('deployed-only.test');
      await serveOnProxyHost(deployedOnly, 'deployed_certificate_id');
      const unusedBefore = await rowOf(unused);
      const now = new Date(Date.parse(unusedBefore.expires_at!) - 10 * DAY_MS);
      const outcomes = await module.renewal.renewDue(now);
      expect(outcomes.map((outcome) => outcome.certificateId)).not.toContain(unused);
      expect(outcomes).toContainEqual({ certificateId: deployedOnly, ok: true });
      expect(await rowOf(unused)).toMatchObject({ serial_number: unusedBefore.serial_number, renewal_attempted_at: null });
    });

    // Regression: a renewal the CA kept refusing was tried again every hour until the certificate expired.
    it('keeps a still-valid certificate valid when its renewal fails, retries hourly three times, then once a day', async () => {
      const id = await issued('renewal-fails.test');
      await serveOnProxyHost(id);
      const before = await rowOf(id);
      const opens = Date.parse(before.expires_at!) - renewalWindowMs(before, 30 * DAY_MS);
      const attempted = async (at: number) => (await module.renewal.renewDue(new Date(at))).find((outcome) => outcome.certificateId === id);
      serving = false;
      try {
        const first = await attempted(opens + 60_000);
        expect(first).toMatchObject({ ok: false, error: expect.any(String) });
        expect(await module.certificates.get(actor, id)).toMatchObject({ status: 'valid', lastError: expect.any(String) });
        expect((await rowOf(id)).certificate_pem).toBe(before.certificate_pem);
        expect((await rowOf(id)).renewal_attempted_at).toBe(new Date(opens + 60_000).toISOString());
        // Not again within the hour; then hourly for the second and third attempts.
        expect(await attempted(opens + 30 * 60_000)).toBeUndefined();
        expect(await attempted(opens + HOUR_MS + 60_000)).toMatchObject({ ok: false });
        expect(await attempted(opens + 2 * HOUR_MS + 60_000)).toMatchObject({ ok: false });
        // After three failures, a day passes before the next attempt.
        expect(await attempted(opens + 3 * HOUR_MS + 60_000)).toBeUndefined();
        expect(await attempted(opens + 12 * HOUR_MS)).toBeUndefined();
        expect(await attempted(opens + 26 * HOUR_MS + 60_000)).toMatchObject({ ok: false });
        expect(await attempted(opens + 27 * HOUR_MS + 60_000)).toBeUndefined();
      } finally {
        serving = true;
      }
      expect(await attempted(opens + 50 * HOUR_MS + 60_000)).toEqual({ certificateId: id, ok: true });
      expect(await module.certificates.get(actor, id)).toMatchObject({ status: 'valid', lastError: null });
    });

    it('runs again an order lost with a restart (left pending), once it has not moved for ten minutes', async () => {
      const id = newId();
      const leftAt = clock.now();
      // A pending ACME order has no certificate material yet.
      const lost = certificateRow(actor.org.id, {
        id,
        name: 'lost.test',
        domains: '["lost.test"]',
        source: 'acme',
        status: 'pending',
        certificate_pem: null,
        issuer: null,
        serial_number: null,
        not_before: null,
        expires_at: null,
        auto_renew: 1,
        acme_directory_url: pebble.directoryUrl,
        agent_id: agentId,
        created_at: leftAt.toISOString(),
        updated_at: leftAt.toISOString(),
      });
      await handle().root.insertInto('certificates').values(lost).execute();
      expect((await module.renewal.resumeLostOrders(new Date(leftAt.getTime() + 5 * 60 * 1000))).map((outcome) => outcome.certificateId)).not.toContain(id);
      expect(await module.renewal.resumeLostOrders(new Date(leftAt.getTime() + 11 * 60 * 1000))).toContainEqual({ certificateId: id, ok: true });
      expect(await statusOf(id)).toBe('valid');
    });

    it('records why a due certificate cannot renew once the host answering its challenges is gone', async () => {
      const gone = await insertAgent(handle(), actor.org.id, { name: 'gone-host' });
      const id = await issued('orphan.test');
      await serveOnProxyHost(id);
      await handle().root.updateTable('certificates').set({ agent_id: gone.id }).where('id', '=', id).execute();
      await handle().root.updateTable('agents').set({ revoked_at: clock.now().toISOString() }).where('id', '=', gone.id).execute();
      const expiresAt = Date.parse((await module.certificates.get(actor, id)).expiresAt!);
      const outcomes = await module.renewal.renewDue(new Date(expiresAt - 3 * DAY_MS));
      expect(outcomes.find((outcome) => outcome.certificateId === id)).toEqual({ certificateId: id, ok: false, error: expect.stringContaining('was removed') });
      expect(await module.certificates.get(actor, id)).toMatchObject({ status: 'valid', lastError: expect.stringContaining('was removed') });
    });

    it('checks at start and on its timer, which stop() ends', async () => {
      const id = await issued('timer.test');
      await serveOnProxyHost(id);
      const soon = await placeInWindow(id, 5);
      module.renewal.start(60_000);
      try {
        await eventually(async () => (await rowOf(id)).expires_at !== soon, 'the renewal check at start renews the certificate');
      } finally {
        await module.renewal.stop();
      }
      await module.settled();
    });

    // Regression: stop() only cleared the timer; a check in progress went on renewing and wrote to the database being closed.
    it('stops a check in progress after the order it is waiting for, and stop() settles once that order has ended', async () => {
      const first = await issued('stop-first.test');
      const second = await issued('stop-second.test');
      await serveOnProxyHost(first);
      await serveOnProxyHost(second);
      await placeInWindow(first, 1);
      const secondExpiry = await placeInWindow(second, 2);
      const firstBefore = await rowOf(first);
      let stopping: Promise<void> | undefined;
      // Stop as the first renewal (soonest expiry) is answering its challenge.
      onChallenge = () => void (stopping ??= module.renewal.stop());
      try {
        module.renewal.start(60 * 60_000);
        await eventually(() => stopping !== undefined, 'a renewal reaches its challenge');
        await stopping;
      } finally {
        onChallenge = undefined;
      }
      // Once stop() settles, the order it waited for has been stored, and nothing else was started.
      const firstAfter = await rowOf(first);
      expect(firstAfter.serial_number).not.toBe(firstBefore.serial_number);
      expect(firstAfter.expires_at).not.toBe(firstBefore.expires_at);
      expect(await rowOf(second)).toMatchObject({ renewal_attempted_at: null, expires_at: secondExpiry });
      // A stopped renewal runs no check by hand either, until it is started again.
      expect(await module.renewal.renewDue()).toEqual([]);
      module.renewal.start(60 * 60_000);
      await eventually(async () => (await rowOf(second)).renewal_attempted_at !== null, 'the restarted renewal renews the second certificate');
      await module.renewal.stop();
      await module.settled();
    });
  });

  // Regression: shutdown waited for the ACME orders without limit, so a CA that never answered held the server open.
  it('waits for running orders only up to a limit, saying which it abandoned', async () => {
    const held: Socket[] = [];
    const silentCa = createTcpServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silentCa.listen(0, '127.0.0.1', resolve));
    const warnings: Array<{ object: object; message: string }> = [];
    const settings: CertificatesModuleSettings = {
      directoryUrl: `http://127.0.0.1:${(silentCa.address() as { port: number }).port}/dir`,
      caFile: undefined,
      email: undefined,
      renewBeforeDays: 30,
      acmeRequestTimeoutMs: 2_000,
    };
    const silent = createCertificatesModule({
      database: handle(),
      transaction: handle().transaction,
      hosts: { getAgent: async (_actor, id) => ({ id, name: agentName }) },
      commands,
      bus: new EventBus(),
      secretBox: new SecretBox(randomBytes(32)),
      clock,
      settings,
      logger: { info: () => undefined, warn: (object, message) => void warnings.push({ object, message }) },
    });
    try {
      const id = await silent.certificates.startAcmeIssue({ actor, agentId, agentName, domains: ['never-answered.test'] });
      await eventually(() => held.length > 0, 'the order reaches the CA');
      await silent.settled(100);
      // The CA has not answered (it never does) and the request has not timed out yet: the order was left running.
      expect(await statusOf(id)).toBe('pending');
      expect(warnings).toContainEqual({ object: { certificateIds: [id], waitedMs: 100 }, message: expect.stringContaining('abandoned') });
      // Left alone, the order ends when its request times out.
      await silent.settled(60_000);
      expect(await module.certificates.get(actor, id)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('did not answer') });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silentCa.close(resolve));
    }
  });
});
