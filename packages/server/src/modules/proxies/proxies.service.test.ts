import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { ProxyHostInputSchema, type ProxyHostInputBody } from '@infrapilot/protocol';
import {
  AgentMessageSchema,
  CommandErrorSchema,
  ProxyApplyMode,
  ProxyApplyResultSchema,
  ProxyRemoveResultSchema,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentOfflineError, AgentTimeoutError, CapabilityFailedError, NotFoundError, PolicyDeniedError, ValidationError } from '../../errors.js';
import type { DatabaseHandle } from '../../db/transactions.js';
import { CommandRouter } from '../../gateway/command-router.js';
import { EventBus } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import type { Actor } from '../../platform/http/request-context.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { certificateRow, insertAgent, insertOrg } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { eventually } from '../../test-helpers/test-agent.js';
import type { CertificateDirectory, CertificateRecord } from './certificate-choice.js';
import { createProxiesModule, type ProxiesModule } from './index.js';
import { ProxiesRepo } from './proxies.repo.js';

// The service's decisions around the agent's answers (what it does when an answer never
// comes, which certificate it deploys, what a reconciliation applies again), against a
// scripted agent session on the real command router: timeouts and late answers on demand,
// which a real agent and nginx do not give. The real thing is in the *.api.test.ts files.

const TIMEOUTS = { applyMs: 600, renderMs: 600 };
// Longer than the router waits for an APPLY (timeout + its grace): the answer comes after the server gave up.
const LATE_MS = 1_200;

type ApplyBehaviour = 'answer' | 'late' | 'cancelled' | 'refused';

/**
 * An agent that runs proxy commands one at a time, in the order they arrive (like the real
 * agent's serial queue), keeping "files" as proxy host id → the upstream host they forward to.
 * A Cancel is ignored: the command it names is already running.
 */
class ScriptedProxyAgent {
  readonly files = new Map<string, string>();
  readonly received: Array<{ command: 'apply' | 'remove'; proxyHostId: string; upstream?: string; certificatePem?: string }> = [];
  /** How the next APPLY commands are handled, in order; then they are answered. */
  readonly applies: ApplyBehaviour[] = [];
  private tail: Promise<void> = Promise.resolve();
  private detach: (() => void) | undefined;

  constructor(
    private readonly commands: CommandRouter,
    readonly agentId: string,
  ) {}

  connect(): void {
    this.detach = this.commands.attach({
      agentId: this.agentId,
      capabilities: new Set(['proxy.apply', 'proxy.remove', 'proxy.challenge']),
      close: () => undefined,
      send: (message) => this.receive(message),
    });
  }

  disconnect(): void {
    this.detach?.();
  }

  appliesTo(proxyHostId: string): string[] {
    return this.received.filter((entry) => entry.command === 'apply' && entry.proxyHostId === proxyHostId).map((entry) => entry.upstream!);
  }

  private receive(message: ServerMessage): void {
    const { payload } = message;
    if (payload.case !== 'proxyApply' && payload.case !== 'proxyRemove') return;
    const applying = payload.case === 'proxyApply' && payload.value.mode === ProxyApplyMode.APPLY;
    const behaviour: ApplyBehaviour = applying ? (this.applies.shift() ?? 'answer') : 'answer';
    this.tail = this.tail.then(async () => {
      if (behaviour === 'late') await new Promise((resolve) => setTimeout(resolve, LATE_MS));
      const answer = (value: Parameters<typeof create<typeof AgentMessageSchema>>[1]) =>
        this.commands.receive(this.agentId, create(AgentMessageSchema, { requestId: message.requestId, ...value }));
      if (payload.case === 'proxyRemove') {
        const { proxyHostId } = payload.value;
        this.received.push({ command: 'remove', proxyHostId });
        const removed = this.files.delete(proxyHostId);
        answer({ payload: { case: 'proxyRemove', value: create(ProxyRemoveResultSchema, { removed }) } });
        return;
      }
      const spec = payload.value.host!;
      const upstream = spec.upstream!.host;
      if (applying) this.received.push({ command: 'apply', proxyHostId: spec.id, upstream, ...(spec.certificate ? { certificatePem: spec.certificate.certificatePem } : {}) });
      if (behaviour === 'cancelled' || behaviour === 'refused') {
        const code = behaviour === 'cancelled' ? 'cancelled' : 'proxy_config_invalid';
        answer({ payload: { case: 'error', value: create(CommandErrorSchema, { code, message: `scripted: ${code}` }) } });
        return;
      }
      if (applying) this.files.set(spec.id, upstream);
      answer({
        payload: {
          case: 'proxyApply',
          value: create(ProxyApplyResultSchema, {
            config: `# forwards to ${upstream}`,
            configHash: createHash('sha256').update(upstream + (spec.certificate?.certificatePem ?? '')).digest('hex'),
            path: `/etc/nginx/conf.d/infrapilot-${spec.id}.conf`,
            upstreamAddress: `${upstream}:80`,
            ...(spec.ssl ? { certificatePath: `/etc/nginx/certs/${spec.id}.crt`, privateKeyPath: `/etc/nginx/certs/${spec.id}.key` } : {}),
          }),
        },
      });
    });
  }
}

/**
 * The org's certificates as the certificates module would hand them out (each with a
 * certificates row, which proxy_hosts references); ACME orders stay pending until a test
 * says otherwise.
 */
class FakeCertificates implements CertificateDirectory {
  readonly records = new Map<string, CertificateRecord & { source: 'acme' | 'self_signed' }>();
  readonly ordersStarted: string[][] = [];

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly orgId: string,
  ) {}

  async add(domains: string[], source: 'acme' | 'self_signed' = 'self_signed'): Promise<string> {
    const id = newId();
    const pending = source === 'acme';
    this.records.set(id, {
      status: pending ? 'pending' : 'valid',
      domains,
      certificatePem: pending ? '' : `PEM of ${id}`,
      privateKeyPem: pending ? '' : `KEY of ${id}`,
      expiresAt: pending ? null : '2030-01-01T00:00:00.000Z',
      source,
    });
    // The row is there for the foreign keys; what the service reads comes from `records`.
    const row = certificateRow(this.orgId, { id, name: domains[0]!, domains: JSON.stringify(domains), source });
    await this.handle.root.insertInto('certificates').values(row).execute();
    return id;
  }

  async startAcmeIssue(request: { domains: string[] }): Promise<string> {
    this.ordersStarted.push(request.domains);
    return this.add(request.domains, 'acme');
  }

  async createSelfSigned(): Promise<{ id: string }> {
    throw new Error('not used here');
  }

  async material(_orgId: string, id: string): Promise<CertificateRecord | undefined> {
    return this.records.get(id);
  }

  async summaries(_orgId: string, ids: string[]) {
    return new Map(
      ids
        .filter((id) => this.records.has(id))
        .map((id) => {
          const record = this.records.get(id)!;
          return [id, { id, name: record.domains[0]!, source: record.source, status: record.status, expiresAt: record.expiresAt, lastError: null }] as const;
        }),
    );
  }
}

describe('proxies service around the agent’s answers', () => {
  const handle = useMigratedDatabase('sqlite');
  let orgId: string;
  let agentId: string;
  let actor: Actor;
  let commands: CommandRouter;
  let agent: ScriptedProxyAgent;
  let certificates: FakeCertificates;
  let capabilities: string[];
  let warnings: string[];
  let bus: EventBus;
  let module: ProxiesModule;

  beforeAll(async () => {
    orgId = await insertOrg(handle());
    actor = { identity: { kind: 'user', userId: 'u', sessionId: 's', email: 'operator@example.com' }, org: { id: orgId, slug: 'o', name: 'O', role: 'operator' } };
  });

  beforeEach(async () => {
    const row = await insertAgent(handle(), orgId);
    agentId = row.id;
    commands = new CommandRouter();
    agent = new ScriptedProxyAgent(commands, agentId);
    agent.connect();
    certificates = new FakeCertificates(handle(), orgId);
    capabilities = ['proxy.apply', 'proxy.remove', 'proxy.challenge'];
    warnings = [];
    bus = new EventBus();
    module = createProxiesModule({
      database: handle(),
      transaction: handle().transaction,
      hosts: {
        getAgent: async (_actor, id) => {
          if (id !== agentId) throw new NotFoundError('Agent');
          return { id, name: row.name, capabilities };
        },
      },
      commands,
      certificates,
      covers: (domains, domain) => domains.includes(domain),
      bus,
      clock: new FakeClock(),
      logger: { warn: (_object, message) => void warnings.push(message) },
      timeouts: TIMEOUTS,
    });
  });

  afterEach(() => {
    module.close();
    commands.close();
  });

  const body = (domain: string, upstream: string, extra: Partial<ProxyHostInputBody> = {}) =>
    ProxyHostInputSchema.parse({ domain, upstream: { kind: 'address', host: upstream, port: 80 }, ...extra });
  const domain = () => `app-${newId().slice(-8)}.test`;
  const rowOf = async (id: string) => (await new ProxiesRepo(handle()).getById(id))?.host;

  describe('an apply whose answer never comes', () => {
    it('removes the file of a create the agent applied after the server gave up', async () => {
      agent.applies.push('late');
      await expect(module.proxies.create(actor, agentId, body(domain(), '10.0.0.1'))).rejects.toBeInstanceOf(AgentTimeoutError);
      const stray = await eventually(() => agent.received.find((entry) => entry.command === 'apply')?.proxyHostId, 'the late apply runs');
      await eventually(() => agent.received.some((entry) => entry.command === 'remove' && entry.proxyHostId === stray), 'the removal follows it');
      expect(agent.received.map((entry) => entry.command)).toEqual(['apply', 'remove']);
      expect(agent.files.has(stray)).toBe(false);
      expect(await rowOf(stray)).toBeUndefined();
    });

    it('removes the file of a create the agent cancelled part-way', async () => {
      agent.applies.push('cancelled');
      const failure = await module.proxies.create(actor, agentId, body(domain(), '10.0.0.1')).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(CapabilityFailedError);
      const cancelled = agent.received[0]!.proxyHostId;
      await eventually(() => agent.received.some((entry) => entry.command === 'remove' && entry.proxyHostId === cancelled), 'the removal is sent');
    });

    it('applies the previous settings again after a change the agent applied late', async () => {
      const created = await module.proxies.create(actor, agentId, body(domain(), '10.0.0.1'));
      agent.applies.push('late');
      await expect(module.proxies.update(actor, agentId, created.id, body(created.domain, '10.0.0.2'))).rejects.toBeInstanceOf(AgentTimeoutError);
      await eventually(() => agent.appliesTo(created.id).length === 3, 'the previous settings are applied again');
      expect(agent.appliesTo(created.id)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1']);
      expect(agent.files.get(created.id)).toBe('10.0.0.1');
      expect(await module.proxies.get(actor, agentId, created.id)).toMatchObject({ upstream: { host: '10.0.0.1' }, status: 'active', configHash: created.configHash });
    });

    it('applies what is stored by then: a change queued behind the one that timed out wins', async () => {
      const created = await module.proxies.create(actor, agentId, body(domain(), '10.0.0.1'));
      agent.applies.push('late');
      const first = module.proxies.update(actor, agentId, created.id, body(created.domain, '10.0.0.2'));
      const second = module.proxies.update(actor, agentId, created.id, body(created.domain, '10.0.0.3'));
      await expect(first).rejects.toBeInstanceOf(AgentTimeoutError);
      expect((await second).upstream).toMatchObject({ host: '10.0.0.3' });
      await eventually(() => agent.appliesTo(created.id).length === 4, 'the stored settings are applied again');
      expect(agent.appliesTo(created.id)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.3']);
      expect(agent.files.get(created.id)).toBe('10.0.0.3');
      expect(await module.proxies.get(actor, agentId, created.id)).toMatchObject({ upstream: { host: '10.0.0.3' }, status: 'active' });
    });

    it('marks the host error when the previous settings cannot be applied again, and a reconciliation applies them', async () => {
      const created = await module.proxies.create(actor, agentId, body(domain(), '10.0.0.1'));
      agent.applies.push('late', 'refused');
      await expect(module.proxies.update(actor, agentId, created.id, body(created.domain, '10.0.0.2'))).rejects.toBeInstanceOf(AgentTimeoutError);
      const failed = await eventually(async () => ((await rowOf(created.id))?.status === 'error' ? rowOf(created.id) : undefined), 'the host is marked error');
      expect(failed?.last_error).toMatch(/may not match these settings.*scripted: proxy_config_invalid/s);
      expect(agent.files.get(created.id)).toBe('10.0.0.2');

      // The host comes back: what a missed apply left behind is applied again.
      bus.publish('agent.status_changed', { orgId, agentId, from: 'offline', to: 'active', at: new Date().toISOString() });
      await eventually(async () => (await rowOf(created.id))?.status === 'active', 'the reconciliation applies the host again');
      expect(agent.files.get(created.id)).toBe('10.0.0.1');
      expect(await module.proxies.reconcile(agentId)).toBe(0);
    });

    it('answers 503 before sending anything when the agent is not connected', async () => {
      agent.disconnect();
      await expect(module.proxies.create(actor, agentId, body(domain(), '10.0.0.1'))).rejects.toBeInstanceOf(AgentOfflineError);
      expect(agent.received).toEqual([]);
      expect(warnings).toEqual([]);
    });
  });

  describe('which certificate a host serves', () => {
    it('keeps serving the deployed certificate while a new ACME one is pending or failed', async () => {
      const name = domain();
      const selfSigned = await certificates.add([name]);
      const created = await module.proxies.create(actor, agentId, body(name, '10.0.0.1', { certificateId: selfSigned }));
      expect(created).toMatchObject({ sslEnabled: true, sslExpiresAt: '2030-01-01T00:00:00.000Z' });

      const requested = await module.proxies.requestSsl(actor, agentId, created.id, { source: 'acme' });
      const pending = requested.host.certificateId!;
      expect(requested).toMatchObject({ status: 202, host: { sslEnabled: true, certificate: { id: pending, source: 'acme', status: 'pending' } } });

      // A second request while the order runs answers with it.
      const again = await module.proxies.requestSsl(actor, agentId, created.id, { source: 'acme' });
      expect([again.status, again.host.certificateId, certificates.ordersStarted.length]).toEqual([202, pending, 1]);

      const saved = await module.proxies.update(actor, agentId, created.id, body(name, '10.0.0.1', { certificateId: pending }));
      expect(saved).toMatchObject({ sslEnabled: true, certificateId: pending });
      expect(agent.received.at(-1)?.certificatePem).toBe(`PEM of ${selfSigned}`);
      expect((await rowOf(created.id))?.deployed_certificate_id).toBe(selfSigned);

      // The order fails: still the self-signed one; asking again starts a new order.
      certificates.records.get(pending)!.status = 'failed';
      await module.proxies.reapply(created.id, orgId);
      expect(await module.proxies.get(actor, agentId, created.id)).toMatchObject({ sslEnabled: true, status: 'active' });
      expect(agent.received.at(-1)?.certificatePem).toBe(`PEM of ${selfSigned}`);
      const retried = await module.proxies.requestSsl(actor, agentId, created.id, { source: 'acme' });
      expect(retried.host.certificateId).not.toBe(pending);
      expect(certificates.ordersStarted.length).toBe(2);
    });

    it('deploys the attached certificate once it is valid, and the reconciliation catches a renewal it missed', async () => {
      const name = domain();
      const created = await module.proxies.create(actor, agentId, body(name, '10.0.0.1', { certificateId: await certificates.add([name]) }));
      const { status, host } = await module.proxies.requestSsl(actor, agentId, created.id, { source: 'acme' });
      expect(status).toBe(202);
      const issued = certificates.records.get(host.certificateId!)!;
      Object.assign(issued, { status: 'valid', certificatePem: 'PEM of the ACME one', expiresAt: '2031-01-01T00:00:00.000Z' });
      // certificate.issued was not heard (a restart, say): the reconciliation notices.
      expect(await module.proxies.reconcile()).toBeGreaterThanOrEqual(1);
      expect(agent.received.at(-1)?.certificatePem).toBe('PEM of the ACME one');
      expect(await rowOf(created.id)).toMatchObject({ deployed_certificate_id: host.certificateId, ssl_expires_at: '2031-01-01T00:00:00.000Z' });

      issued.expiresAt = '2032-01-01T00:00:00.000Z';
      expect(await module.proxies.reconcile(agentId)).toBe(1);
      expect((await rowOf(created.id))?.ssl_expires_at).toBe('2032-01-01T00:00:00.000Z');
      expect(await module.proxies.reconcile(agentId)).toBe(0);

      // A host whose agent is away is left for when it is back.
      issued.expiresAt = '2033-01-01T00:00:00.000Z';
      agent.disconnect();
      expect(await module.proxies.reconcile(agentId)).toBe(0);
    });

    it('refuses to rename a host to a domain its certificate does not cover, unless the certificate goes too', async () => {
      const name = domain();
      const certificateId = await certificates.add([name]);
      const created = await module.proxies.create(actor, agentId, body(name, '10.0.0.1', { certificateId }));
      const renamed = domain();
      const failure = await module.proxies.update(actor, agentId, created.id, body(renamed, '10.0.0.1', { certificateId })).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ValidationError);
      expect((failure as ValidationError).details).toEqual([{ path: 'body.certificateId', message: expect.stringMatching(/does not cover/) }]);
      expect(await module.proxies.update(actor, agentId, created.id, body(renamed, '10.0.0.1', { certificateId: null }))).toMatchObject({ domain: renamed, sslEnabled: false });
    });
  });

  describe('asking for an ACME certificate', () => {
    it('creates nothing when the agent is offline (503) or does not offer the proxy commands (403)', async () => {
      const created = await module.proxies.create(actor, agentId, body(domain(), '10.0.0.1'));
      capabilities = ['container.list'];
      await expect(module.proxies.requestSsl(actor, agentId, created.id, { source: 'acme' })).rejects.toBeInstanceOf(PolicyDeniedError);
      agent.disconnect();
      await expect(module.proxies.requestSsl(actor, agentId, created.id, { source: 'acme' })).rejects.toBeInstanceOf(AgentOfflineError);
      expect(certificates.ordersStarted).toEqual([]);
      expect((await rowOf(created.id))?.certificate_id).toBeNull();
    });
  });
});
