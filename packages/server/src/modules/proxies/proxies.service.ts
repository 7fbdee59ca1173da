import type { CertificateSummary, Page, ProxyConfig, ProxyHost, ProxyHostInput, ProxyHostListQuerySchema, ProxyServer, ProxySslRequest, ProxyTestResult } from '@infrapilot/protocol';
import { ProxyApplyMode, type ProxyApplyResult } from '@infrapilot/protocol/agent';
import type { z } from 'zod';
import { isUniqueViolation } from '../../db/constraint-errors.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { AgentOfflineError, ConflictError, NotFoundError, PolicyDeniedError, ProxyConfigInvalidError, ProxyUnavailableError, ValidationError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import { type CertificateChoice, type CertificateDeployment, type CertificateDirectory, type CertificateState } from './certificate-choice.js';
import { KeyedQueue } from './keyed-queue.js';
import { type AppliedFacts, inputOf, type ProxyHostRecord, rowsOf, toProxyHost, toProxyServer } from './proxies.mapping.js';
import type { ProxiesRepo, ProxyHostPosition } from './proxies.repo.js';
import { outcomeUnknown, type ProxyCommands } from './proxy-commands.js';
import type { ProxyStateSync } from './proxy-state-sync.js';
import { specOf } from './proxy-spec.js';

export type { CertificateDirectory, CertificateRecord } from './certificate-choice.js';

export type ProxyHostListFilter = z.output<typeof ProxyHostListQuerySchema>;

/** A host (agent) as this module needs it. */
export interface Host {
  id: string;
  name: string;
}

/** A host as the agents module describes it: with the commands its agent announced when it last connected. */
export interface DirectoryHost extends Host {
  capabilities: readonly string[];
}

/** What the agents module tells this one: a host of the caller's org, or NotFoundError. */
export interface HostDirectory {
  getAgent(actor: Actor, id: string): Promise<DirectoryHost>;
}

/** What a change is about, once known: the route names it in the audit row, even when the change then fails. */
export interface ProxyTarget {
  host: Host;
  proxyHostId?: string;
  domain?: string;
}
export type ProxyTargetListener = (target: ProxyTarget) => void;

// What agentErrorFor puts before nginx's own words.
const NGINX_REFUSAL_PREFIX = /^nginx on .*? refused the configuration \(nothing was changed\): /s;

function encodePosition(host: ProxyHost): string {
  return Buffer.from(JSON.stringify([host.domain, host.id])).toString('base64url');
}

function decodePosition(cursor: string): ProxyHostPosition {
  try {
    const [domain, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof domain === 'string' && typeof id === 'string') return { domain, id };
  } catch {
    // fall through to the 400
  }
  throw new ValidationError('`cursor` is not a nextCursor from this list', [{ path: 'querystring.cursor', message: 'not a list cursor' }]);
}

/** What a stored proxy host says about its certificates. */
function certificateStateOf(record: ProxyHostRecord): CertificateState {
  return { domain: record.host.domain, certificateId: record.host.certificate_id, deployedCertificateId: record.host.deployed_certificate_id };
}

/** The host a stored proxy host is on. */
function hostOf(record: ProxyHostRecord): Host {
  return { id: record.host.agent_id, name: record.agentName };
}

/**
 * Proxy hosts: a domain on a host forwarded by its nginx to an address or a container.
 * Every change is rendered, tested and reloaded by the host's agent first; the rows are
 * written only once the agent has succeeded, so the database never describes a file the
 * host refused. Changes to one proxy host run one at a time.
 *
 * When the agent's answer never comes (timeout, lost stream, cancelled), the change may
 * still be made on the host after we gave up: a created file is removed again, a changed
 * one re-applied as the rows describe it. Both are queued behind the stray command, in
 * the agent's own order; what cannot be reached now is healed later (orphaned files by
 * ProxyStateSync, hosts left in `error` by reconcile()).
 */
export class ProxiesService {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly deps: {
      repo: ProxiesRepo;
      hosts: HostDirectory;
      commands: ProxyCommands;
      certificates: CertificateDirectory;
      choice: CertificateChoice;
      sync: ProxyStateSync;
      bus: EventBus;
      transaction: TransactionRunner;
      clock: Clock;
      logger: { warn(object: object, message: string): void };
    },
  ) {}

  // ------------------------------------------------------------ reading

  /** GET /proxies: every host's proxy hosts in domain order; `agentId` must be a host of the org (404 otherwise). */
  async list(actor: Actor, query: ProxyHostListFilter): Promise<Page<ProxyHost>> {
    if (query.agentId !== undefined) {
      const host = await this.deps.hosts.getAgent(actor, query.agentId);
      return this.page(actor.org.id, { ...query, agentId: host.id });
    }
    return this.page(actor.org.id, query);
  }

  /** GET /agents/:id/proxies. */
  async listOnHost(actor: Actor, agentId: string, query: Omit<ProxyHostListFilter, 'agentId'>): Promise<Page<ProxyHost>> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    return this.page(actor.org.id, { ...query, agentId: host.id });
  }

  private async page(orgId: string, query: ProxyHostListFilter): Promise<Page<ProxyHost>> {
    const records = await this.deps.repo.listInOrg(orgId, { agentId: query.agentId }, { limit: query.limit + 1, after: query.cursor ? decodePosition(query.cursor) : undefined });
    const items = await this.present(orgId, records.slice(0, query.limit));
    return { items, nextCursor: records.length > query.limit ? encodePosition(items.at(-1)!) : null };
  }

  /** GET /agents/:id/proxies/:pid. */
  async get(actor: Actor, agentId: string, proxyHostId: string): Promise<ProxyHost> {
    const { record } = await this.target(actor, agentId, proxyHostId);
    return (await this.present(actor.org.id, [record]))[0]!;
  }

  /** GET /agents/:id/proxy: the host's reverse proxy as its agent last reported it. */
  async server(actor: Actor, agentId: string): Promise<ProxyServer> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    const row = await this.deps.repo.getServer(host.id);
    if (!row) {
      throw new NotFoundError('Reverse proxy', `${host.name} has not reported a reverse proxy: its agent does not run the proxy capability, or has not sent a heartbeat since it started`);
    }
    return toProxyServer(row, host.name);
  }

  /** GET .../config: the file as the agent renders it now, and how the host's copy compares. */
  async config(actor: Actor, agentId: string, proxyHostId: string): Promise<ProxyConfig> {
    const { host, record } = await this.target(actor, agentId, proxyHostId);
    const certificate = await this.deps.choice.deployable(actor.org.id, certificateStateOf(record));
    const result = await this.deps.commands.apply(host, specOf(record.host.id, inputOf(record), certificate?.material), ProxyApplyMode.RENDER);
    const storedHash = record.host.config_hash;
    const liveHash = this.deps.sync.liveFile(host.id, record.host.id)?.sha256 ?? null;
    // The last heartbeat may have been read before the last save; the sync decides what is drift.
    return { config: result.config, configHash: result.configHash, path: result.path, storedHash, liveHash, drift: record.host.status === 'drift' };
  }

  /**
   * POST .../test: nginx -t with the host's file as saved, or as the candidate would make
   * it, in place; the agent puts the previous file back either way. A refusal is an
   * answer here (ok: false, with what nginx said), not an error. Runs in turn with the
   * host's changes, and the file it puts in place for a moment is not drift.
   */
  async test(actor: Actor, agentId: string, proxyHostId: string, candidate: ProxyHostInput | undefined, onTarget?: ProxyTargetListener): Promise<ProxyTestResult> {
    const { host, record: first } = await this.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId: first.host.id, domain: first.host.domain });
    return this.queue.run(proxyHostId, async () => {
      const record = await this.current(actor, host, proxyHostId);
      const input = candidate ?? inputOf(record);
      const certificate = await this.deps.choice.forChange(actor.org.id, input, certificateStateOf(record));
      const spec = specOf(proxyHostId, input, certificate?.material);
      await this.requireProxy(host);
      return this.deps.sync.whileApplying(proxyHostId, async () => {
        try {
          const result = await this.deps.commands.apply(host, spec, ProxyApplyMode.TEST);
          return { ok: true, output: result.testOutput, config: result.config };
        } catch (error) {
          if (!(error instanceof ProxyConfigInvalidError)) throw error;
          const rendered = await this.deps.commands.apply(host, spec, ProxyApplyMode.RENDER);
          return { ok: false, output: error.message.replace(NGINX_REFUSAL_PREFIX, ''), config: rendered.config };
        }
      });
    });
  }

  // ------------------------------------------------------------ changing

  /** POST /agents/:id/proxies: written, tested and reloaded on the host, then stored. */
  async create(actor: Actor, agentId: string, input: ProxyHostInput, onTarget?: ProxyTargetListener): Promise<ProxyHost> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    // A new id for each request: it names the file, so a file this request leaves behind
    // (an apply that ran after we gave up) can be told apart and removed.
    const id = newId();
    // Named by its domain until it exists: a refused create leaves no id behind.
    onTarget?.({ host, domain: input.domain });
    return this.queue.run(id, async () => {
      await this.refuseTakenDomain(host, input.domain);
      const certificate = await this.deps.choice.forChange(actor.org.id, input, null);
      this.requireConnected(host);
      await this.requireProxy(host);
      // Until the rows are stored, the file on the host is neither drift nor an orphan.
      await this.deps.sync.whileApplying(id, async () => {
        const result = await this.applyOrCompensate(host, id, input, certificate, () => this.removeStray(host, id));
        const at = isoTimestamp(this.deps.clock.now());
        const rows = rowsOf({ id, agentId: host.id, createdAt: at, updatedAt: at }, input, appliedFacts(result, certificate));
        try {
          await this.deps.transaction(() => this.deps.repo.insert(rows));
        } catch (error) {
          // The host serves a file the database does not know: take it away again.
          await this.deps.commands.remove(host, id).catch((cleanup: unknown) => this.deps.logger.warn({ err: cleanup, proxyHostId: id }, 'could not remove the file of a proxy host that was not stored'));
          if (isUniqueViolation(error)) throw new ConflictError(`${input.domain} already has a proxy host on ${host.name}`);
          throw error;
        }
      });
      this.changed(actor.org.id, host.id, id);
      return this.get(actor, host.id, id);
    });
  }

  /** PUT /agents/:id/proxies/:pid: the whole host replaced. A refused change leaves the rows and the file as they were. */
  async update(actor: Actor, agentId: string, proxyHostId: string, input: ProxyHostInput, onTarget?: ProxyTargetListener): Promise<ProxyHost> {
    const { host } = await this.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId, domain: input.domain });
    return this.queue.run(proxyHostId, () => this.replace(actor, host, proxyHostId, () => input));
  }

  /**
   * DELETE /agents/:id/proxies/:pid: the file goes from the host first; the rows only once
   * it has. With `force`, a host whose agent is offline (or does not answer) or whose nginx
   * is unavailable loses the rows anyway; its agent removes the orphaned file when it
   * reports it again.
   */
  async remove(actor: Actor, agentId: string, proxyHostId: string, options: { force?: boolean } = {}, onTarget?: ProxyTargetListener): Promise<void> {
    const { host, record } = await this.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId, domain: record.host.domain });
    await this.queue.run(proxyHostId, async () => {
      await this.deps.sync.whileApplying(proxyHostId, async () => {
        try {
          await this.requireProxy(host);
          await this.deps.commands.remove(host, proxyHostId);
        } catch (error) {
          if (!options.force || !(outcomeUnknown(error) || error instanceof ProxyUnavailableError)) throw error;
          this.deps.logger.warn({ err: error, proxyHostId, agentId: host.id }, 'deleting a proxy host whose file could not be removed from its host (force); its agent removes the file when it reports it again');
        }
        await this.deps.transaction(() => this.deps.repo.delete(proxyHostId));
      });
      this.deps.sync.forget(host.id, proxyHostId);
      this.changed(actor.org.id, host.id, proxyHostId);
    });
  }

  /**
   * POST .../ssl. ACME: a pending certificate is attached and issued in the background
   * (202); its host's HTTPS starts (or switches to it) when it is issued, and until then
   * the certificate deployed before keeps serving. While the attached certificate is
   * already a pending ACME order for the domain, that one is the answer (202). Self-signed
   * or existing: attached and deployed now (200), like a PUT that changes only the certificate.
   */
  async requestSsl(actor: Actor, agentId: string, proxyHostId: string, request: ProxySslRequest, onTarget?: ProxyTargetListener): Promise<{ status: 200 | 202; host: ProxyHost }> {
    const { host, record } = await this.target(actor, agentId, proxyHostId);
    const domain = record.host.domain;
    onTarget?.({ host, proxyHostId, domain });
    if (request.source === 'acme') {
      const attached = record.host.certificate_id;
      if (attached !== null && (await this.deps.choice.isPendingAcmeFor(actor.org.id, attached, domain))) {
        return { status: 202, host: await this.get(actor, host.id, proxyHostId) };
      }
      // The CA's HTTP-01 request must reach this host's nginx, through its agent: nothing is created otherwise.
      this.requireProxyCommands(host);
      await this.requireProxy(host);
      const certificateId = await this.deps.certificates.startAcmeIssue({ actor, agentId: host.id, agentName: host.name, domains: [domain] });
      await this.queue.run(proxyHostId, () => this.deps.repo.attachCertificate(proxyHostId, certificateId, isoTimestamp(this.deps.clock.now())));
      // A fast CA can finish before the attach, when certificate.issued found no host to redeploy.
      if ((await this.deps.certificates.material(actor.org.id, certificateId))?.status === 'valid') await this.reapply(proxyHostId, actor.org.id);
      this.changed(actor.org.id, host.id, proxyHostId);
      return { status: 202, host: await this.get(actor, host.id, proxyHostId) };
    }
    const certificateId = request.source === 'existing' ? request.certificateId : (await this.deps.certificates.createSelfSigned(actor, { domains: [domain], days: request.days })).id;
    const updated = await this.queue.run(proxyHostId, () => this.replace(actor, host, proxyHostId, (current) => ({ ...current, certificateId })));
    return { status: 200, host: updated };
  }

  /**
   * Applies what `change` makes of the current settings, then stores it. If storing
   * fails, or the agent's answer never comes, the stored settings are applied again so
   * the host and the rows agree.
   */
  private async replace(actor: Actor, host: Host, proxyHostId: string, change: (current: ProxyHostInput) => ProxyHostInput): Promise<ProxyHost> {
    const record = await this.current(actor, host, proxyHostId);
    const input = change(inputOf(record));
    await this.refuseTakenDomain(host, input.domain, proxyHostId);
    const certificate = await this.deps.choice.forChange(actor.org.id, input, certificateStateOf(record));
    this.requireConnected(host);
    await this.requireProxy(host);
    const at = await this.deps.sync.whileApplying(proxyHostId, async () => {
      // Queued behind this change: what the rows say by then (these settings, unless a change queued before it was stored).
      const result = await this.applyOrCompensate(host, proxyHostId, input, certificate, () => this.applyStored(proxyHostId, record.orgId, 'a change whose answer never came'));
      const updatedAt = isoTimestamp(this.deps.clock.now());
      const rows = rowsOf({ id: proxyHostId, agentId: host.id, createdAt: record.host.created_at, updatedAt }, input, appliedFacts(result, certificate));
      try {
        await this.deps.transaction(() => this.deps.repo.replace(rows));
      } catch (error) {
        await this.applyStored(proxyHostId, record.orgId, 'a change that could not be stored');
        if (isUniqueViolation(error)) throw new ConflictError(`${input.domain} already has a proxy host on ${host.name}`);
        throw error;
      }
      return updatedAt;
    });
    this.stored(record, at);
    return this.get(actor, host.id, proxyHostId);
  }

  /**
   * proxy.apply of the input; when its outcome is unknown, `compensate` is queued behind
   * it (the request still fails with the agent's error).
   */
  private async applyOrCompensate(host: Host, proxyHostId: string, input: ProxyHostInput, certificate: CertificateDeployment | undefined, compensate: () => Promise<void>): Promise<ProxyApplyResult> {
    try {
      return await this.deps.commands.apply(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY);
    } catch (error) {
      if (outcomeUnknown(error)) void this.queue.run(proxyHostId, compensate);
      throw error;
    }
  }

  /** Takes away the file of a create that may have been applied after we gave up; logged, never thrown. */
  private async removeStray(host: Host, proxyHostId: string): Promise<void> {
    try {
      await this.deps.commands.remove(host, proxyHostId);
    } catch (error) {
      this.deps.logger.warn({ err: error, proxyHostId, agentId: host.id }, 'could not remove the file of a create whose answer never came; the agent removes it as an orphan when it reports it');
    }
  }

  // ------------------------------------------------------------ re-applying (the bus, reconciliation)

  /**
   * Listens for what makes a deployed file stale: a certificate issued (or renewed) for
   * the hosts using it, a container started again (its IP may have changed) for the
   * hosts forwarding to it, and a host coming back (active again) for its hosts that
   * reconcile() would apply. Returns the function that stops listening.
   */
  subscribe(): () => void {
    const { bus, repo } = this.deps;
    const stops = [
      bus.subscribe('certificate.issued', async ({ orgId, certificateId }) => {
        for (const id of await repo.idsByCertificate(certificateId)) await this.reapply(id, orgId);
      }),
      bus.subscribe('container.started', async ({ orgId, agentId, containerId, name }) => {
        for (const id of await repo.idsByContainer(agentId, { name, containerId })) await this.reapply(id, orgId);
      }),
      bus.subscribe('agent.status_changed', async ({ agentId, to }) => {
        if (to === 'active') await this.reconcile(agentId);
      }),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }

  /**
   * Applies again what a missed event left behind, on connected hosts (one, or all): proxy
   * hosts whose last apply failed (`error`), and those whose file does not serve the
   * certificate it should (issued or renewed while their host was away). Returns how many
   * were applied; never throws.
   */
  async reconcile(agentId?: string): Promise<number> {
    let applied = 0;
    try {
      for (const row of await this.deps.repo.listReconcilable(agentId)) {
        if (!this.deps.commands.isConnected(row.agent_id)) continue;
        if (row.status !== 'error') {
          const state = { domain: row.domain, certificateId: row.certificate_id, deployedCertificateId: row.deployed_certificate_id };
          const wanted = await this.deps.choice.deployable(row.org_id, state);
          if (!wanted || (wanted.id === row.deployed_certificate_id && wanted.expiresAt === row.ssl_expires_at)) continue;
        }
        await this.reapply(row.id, row.org_id);
        applied += 1;
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, agentId }, 'proxy reconciliation failed');
    }
    return applied;
  }

  /**
   * Renders and applies a stored proxy host again as its rows say (with the certificate
   * it should deploy now), in turn with its changes. A refusal marks the host `error`
   * with why; this never throws, since nobody waits for it but the bus.
   */
  async reapply(proxyHostId: string, orgId: string): Promise<void> {
    await this.queue.run(proxyHostId, () => this.applyStored(proxyHostId, orgId));
  }

  /**
   * reapply() without the queue (for a caller already in it): applies the rows and stores
   * what the agent answered. On failure the host is marked `error`, with `after` (what made
   * the apply necessary) in lastError when given, so a reconciliation tries again.
   */
  private async applyStored(proxyHostId: string, orgId: string, after?: string): Promise<void> {
    const record = await this.deps.repo.getById(proxyHostId);
    if (!record || record.orgId !== orgId) return;
    const host = hostOf(record);
    try {
      const input = inputOf(record);
      const certificate = await this.deps.choice.deployable(orgId, certificateStateOf(record));
      await this.requireProxy(host);
      const at = await this.deps.sync.whileApplying(proxyHostId, async () => {
        const result = await this.deps.commands.apply(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY);
        const updatedAt = isoTimestamp(this.deps.clock.now());
        const rows = rowsOf({ id: proxyHostId, agentId: host.id, createdAt: record.host.created_at, updatedAt }, input, appliedFacts(result, certificate));
        await this.deps.transaction(() => this.deps.repo.replace(rows));
        return updatedAt;
      });
      this.stored(record, at);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ err: message, proxyHostId, after }, 'could not apply a proxy host again');
      await this.markError(record, after ? `The file on ${host.name} may not match these settings after ${after}, and applying them again failed: ${message}` : message);
    }
  }

  // ------------------------------------------------------------ helpers

  /** The proxy host of a host of the caller's org; another org's (or another host's) is not found. */
  private async target(actor: Actor, agentId: string, proxyHostId: string): Promise<{ host: DirectoryHost; record: ProxyHostRecord }> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    return { host, record: await this.current(actor, host, proxyHostId) };
  }

  /** The proxy host's rows as they are now (read again inside the queue: a change before this one may have replaced them). */
  private async current(actor: Actor, host: Host, proxyHostId: string): Promise<ProxyHostRecord> {
    const record = await this.deps.repo.getInOrg(actor.org.id, proxyHostId);
    if (!record || record.host.agent_id !== host.id) throw new NotFoundError('Proxy host', `No proxy host ${proxyHostId} on ${host.name}`);
    return record;
  }

  private async present(orgId: string, records: ProxyHostRecord[]): Promise<ProxyHost[]> {
    const ids = [...new Set(records.map((record) => record.host.certificate_id).filter((id): id is string => id !== null))];
    const summaries = ids.length > 0 ? await this.deps.certificates.summaries(orgId, ids) : new Map<string, CertificateSummary>();
    return records.map((record) => toProxyHost(record, record.host.certificate_id ? (summaries.get(record.host.certificate_id) ?? null) : null));
  }

  private async refuseTakenDomain(host: Host, domain: string, exceptId?: string): Promise<void> {
    if (await this.deps.repo.domainTaken(host.id, domain, exceptId)) throw new ConflictError(`${domain} already has a proxy host on ${host.name}`);
  }

  /**
   * 503 before anything is sent when the agent is not connected: a change then never
   * starts, so a failure afterwards is one whose outcome on the host is unknown.
   */
  private requireConnected(host: Host): void {
    if (!this.deps.commands.isConnected(host.id)) throw new AgentOfflineError(host.name);
  }

  /** The agent is connected and announced the proxy commands (503 agent_offline, 403 policy_denied otherwise). */
  private requireProxyCommands(host: DirectoryHost): void {
    this.requireConnected(host);
    if (!host.capabilities.includes('proxy.apply')) {
      throw new PolicyDeniedError(
        `Agent ${host.name} does not offer the proxy commands: the policy file of its host (/etc/infrapilot/agent.yaml) does not allow the proxy capability, or the agent is older than this server`,
      );
    }
  }

  /** 503 before anything is sent when the host's last heartbeat said it has no usable nginx. */
  private async requireProxy(host: Host): Promise<void> {
    const server = await this.deps.repo.getServer(host.id);
    if (server && Number(server.available) !== 1) {
      throw new ProxyUnavailableError(`The reverse proxy is not available on ${host.name}: ${server.problem ?? 'its agent did not say why'}`);
    }
  }

  /** Records why a stored proxy host's file may not be what its rows say (reconcile() applies it again); logged, never thrown. */
  private async markError(record: ProxyHostRecord, message: string): Promise<void> {
    const proxyHostId = record.host.id;
    await this.deps.repo
      .markError(proxyHostId, message, isoTimestamp(this.deps.clock.now()))
      .then(() => this.changed(record.orgId, record.host.agent_id, proxyHostId))
      .catch((markFailure: unknown) => this.deps.logger.warn({ err: markFailure, proxyHostId }, 'could not record why a proxy host was not applied'));
  }

  /** After new rows are stored: the file is what we wrote, so a drift it had is over. */
  private stored(before: ProxyHostRecord, at: string): void {
    const { host } = before;
    if (host.status === 'drift') this.deps.bus.publish('proxy.drift_resolved', { orgId: before.orgId, agentId: host.agent_id, proxyHostId: host.id, domain: host.domain, at });
    this.changed(before.orgId, host.agent_id, host.id);
  }

  private changed(orgId: string, agentId: string, proxyHostId: string): void {
    this.deps.bus.publish('proxy.changed', { orgId, agentId, proxyHostId, at: isoTimestamp(this.deps.clock.now()) });
  }
}

/** What the rows keep of the agent's answer. */
function appliedFacts(result: ProxyApplyResult, certificate: CertificateDeployment | undefined): AppliedFacts {
  return {
    configHash: result.configHash.toLowerCase(),
    configPath: result.path,
    upstreamAddress: result.upstreamAddress || null,
    ssl: certificate
      ? { certificateId: certificate.id, certificatePath: result.certificatePath, privateKeyPath: result.privateKeyPath, expiresAt: certificate.expiresAt }
      : null,
  };
}
