import type { CertificateSummary, Page, ProxyConfig, ProxyHost, ProxyHostInput, ProxyHostListQuerySchema, ProxyServer, ProxySslRequest, ProxyTestResult } from '@infrapilot/protocol';
import { ProxyApplyMode } from '@infrapilot/protocol/agent';
import type { z } from 'zod';
import { isUniqueViolation } from '../../db/constraint-errors.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { ConflictError, NotFoundError, ProxyConfigInvalidError, ProxyUnavailableError, ValidationError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { CertificateChoice, CertificateDirectory } from './certificate-choice.js';
import { KeyedQueue } from './keyed-queue.js';
import { appliedFacts, certificateStateOf, inputOf, type ProxyHostRecord, rowsOf, toProxyHost, toProxyServer } from './proxies.mapping.js';
import type { ProxiesRepo, ProxyHostPosition } from './proxies.repo.js';
import { ProxyChangeEvents } from './proxy-change-events.js';
import { outcomeUnknown, type ProxyCommands } from './proxy-commands.js';
import { ProxyCompensation } from './proxy-compensation.js';
import { ProxyPreconditions } from './proxy-preconditions.js';
import { ProxyReapplier } from './proxy-reapplier.js';
import { specOf } from './proxy-spec.js';
import { ProxySslRequests } from './proxy-ssl-requests.js';
import type { ProxyStateSync } from './proxy-state-sync.js';
import { type Host, type HostDirectory, ProxyTargets, type ProxyTargetListener } from './proxy-targets.js';

export type { CertificateDirectory, CertificateRecord } from './certificate-choice.js';
export type { DirectoryHost, Host, HostDirectory, ProxyTarget, ProxyTargetListener } from './proxy-targets.js';

export type ProxyHostListFilter = z.output<typeof ProxyHostListQuerySchema>;

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
 *
 * This is the module's entry point; it delegates the SSL request flow (ProxySslRequests),
 * re-applying stored hosts (ProxyReapplier) and undoing stray changes (ProxyCompensation).
 */
export class ProxiesService {
  // One queue for every change to a proxy host, whichever collaborator makes it.
  private readonly queue = new KeyedQueue();
  private readonly targets: ProxyTargets;
  private readonly preconditions: ProxyPreconditions;
  private readonly events: ProxyChangeEvents;
  private readonly compensation: ProxyCompensation;
  private readonly reapplier: ProxyReapplier;
  private readonly ssl: ProxySslRequests;

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
  ) {
    const queue = this.queue;
    this.targets = new ProxyTargets(deps);
    this.preconditions = new ProxyPreconditions(deps);
    this.events = new ProxyChangeEvents(deps);
    this.compensation = new ProxyCompensation({ ...deps, queue });
    this.reapplier = new ProxyReapplier({ ...deps, queue, preconditions: this.preconditions, events: this.events });
    this.ssl = new ProxySslRequests({ ...deps, queue, preconditions: this.preconditions, reapplier: this.reapplier, events: this.events });
  }

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
    const { record } = await this.targets.target(actor, agentId, proxyHostId);
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
    const { host, record } = await this.targets.target(actor, agentId, proxyHostId);
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
    const { host, record: first } = await this.targets.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId: first.host.id, domain: first.host.domain });
    return this.queue.run(proxyHostId, async () => {
      const record = await this.targets.current(actor, host, proxyHostId);
      const input = candidate ?? inputOf(record);
      const certificate = await this.deps.choice.forChange(actor.org.id, input, certificateStateOf(record));
      const spec = specOf(proxyHostId, input, certificate?.material);
      await this.preconditions.requireProxy(host);
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
      await this.preconditions.refuseTakenDomain(host, input.domain);
      const certificate = await this.deps.choice.forChange(actor.org.id, input, null);
      this.preconditions.requireConnected(host);
      await this.preconditions.requireProxy(host);
      // Until the rows are stored, the file on the host is neither drift nor an orphan.
      await this.deps.sync.whileApplying(id, async () => {
        const result = await this.compensation.applyOrCompensate(host, id, input, certificate, () => this.compensation.removeStray(host, id));
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
      this.events.changed(actor.org.id, host.id, id);
      return this.get(actor, host.id, id);
    });
  }

  /** PUT /agents/:id/proxies/:pid: the whole host replaced. A refused change leaves the rows and the file as they were. */
  async update(actor: Actor, agentId: string, proxyHostId: string, input: ProxyHostInput, onTarget?: ProxyTargetListener): Promise<ProxyHost> {
    const { host } = await this.targets.target(actor, agentId, proxyHostId);
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
    const { host, record } = await this.targets.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId, domain: record.host.domain });
    await this.queue.run(proxyHostId, async () => {
      await this.deps.sync.whileApplying(proxyHostId, async () => {
        try {
          await this.preconditions.requireProxy(host);
          await this.deps.commands.remove(host, proxyHostId);
        } catch (error) {
          if (!options.force || !(outcomeUnknown(error) || error instanceof ProxyUnavailableError)) throw error;
          this.deps.logger.warn({ err: error, proxyHostId, agentId: host.id }, 'deleting a proxy host whose file could not be removed from its host (force); its agent removes the file when it reports it again');
        }
        await this.deps.transaction(() => this.deps.repo.delete(proxyHostId));
      });
      this.deps.sync.forget(host.id, proxyHostId);
      this.events.changed(actor.org.id, host.id, proxyHostId);
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
    const { host, record } = await this.targets.target(actor, agentId, proxyHostId);
    const domain = record.host.domain;
    onTarget?.({ host, proxyHostId, domain });
    if (request.source === 'acme') {
      await this.ssl.orderAcme(actor, host, proxyHostId, record);
      return { status: 202, host: await this.get(actor, host.id, proxyHostId) };
    }
    const certificateId = await this.ssl.certificateFor(actor, domain, request);
    const updated = await this.queue.run(proxyHostId, () => this.replace(actor, host, proxyHostId, (current) => ({ ...current, certificateId })));
    return { status: 200, host: updated };
  }

  /**
   * Applies what `change` makes of the current settings, then stores it. If storing
   * fails, or the agent's answer never comes, the stored settings are applied again so
   * the host and the rows agree.
   */
  private async replace(actor: Actor, host: Host, proxyHostId: string, change: (current: ProxyHostInput) => ProxyHostInput): Promise<ProxyHost> {
    const record = await this.targets.current(actor, host, proxyHostId);
    const input = change(inputOf(record));
    await this.preconditions.refuseTakenDomain(host, input.domain, proxyHostId);
    const certificate = await this.deps.choice.forChange(actor.org.id, input, certificateStateOf(record));
    this.preconditions.requireConnected(host);
    await this.preconditions.requireProxy(host);
    const at = await this.deps.sync.whileApplying(proxyHostId, async () => {
      // Queued behind this change: what the rows say by then (these settings, unless a change queued before it was stored).
      const result = await this.compensation.applyOrCompensate(host, proxyHostId, input, certificate, () => this.reapplier.applyStored(proxyHostId, record.orgId, 'a change whose answer never came'));
      const updatedAt = isoTimestamp(this.deps.clock.now());
      const rows = rowsOf({ id: proxyHostId, agentId: host.id, createdAt: record.host.created_at, updatedAt }, input, appliedFacts(result, certificate));
      try {
        await this.deps.transaction(() => this.deps.repo.replace(rows));
      } catch (error) {
        await this.reapplier.applyStored(proxyHostId, record.orgId, 'a change that could not be stored');
        if (isUniqueViolation(error)) throw new ConflictError(`${input.domain} already has a proxy host on ${host.name}`);
        throw error;
      }
      return updatedAt;
    });
    this.events.stored(record, at);
    return this.get(actor, host.id, proxyHostId);
  }

  // ------------------------------------------------------------ re-applying (the bus, reconciliation): see ProxyReapplier

  /** Listens for what makes a deployed file stale and re-applies it; returns the function that stops listening. */
  subscribe(): () => void {
    return this.reapplier.subscribe();
  }

  /** Applies again what a missed event left behind, on connected hosts (one, or all); how many were applied; never throws. */
  reconcile(agentId?: string): Promise<number> {
    return this.reapplier.reconcile(agentId);
  }

  /** Applies a stored proxy host again as its rows say, in turn with its changes; never throws. */
  reapply(proxyHostId: string, orgId: string): Promise<void> {
    return this.reapplier.reapply(proxyHostId, orgId);
  }

  // ------------------------------------------------------------ helpers

  private async present(orgId: string, records: ProxyHostRecord[]): Promise<ProxyHost[]> {
    const ids = [...new Set(records.map((record) => record.host.certificate_id).filter((id): id is string => id !== null))];
    const summaries = ids.length > 0 ? await this.deps.certificates.summaries(orgId, ids) : new Map<string, CertificateSummary>();
    return records.map((record) => toProxyHost(record, record.host.certificate_id ? (summaries.get(record.host.certificate_id) ?? null) : null));
  }
}
