import { create } from '@bufbuild/protobuf';
import type { CertificateSummary, Page, ProxyConfig, ProxyHost, ProxyHostInput, ProxyHostListQuerySchema, ProxyServer, ProxySslRequest, ProxyTestResult } from '@infrapilot/protocol';
import { ProxyApplyCommandSchema, ProxyApplyMode, ProxyRemoveCommandSchema, type ProxyApplyResult, type ProxyHostSpec } from '@infrapilot/protocol/agent';
import type { z } from 'zod';
import { isUniqueViolation } from '../../db/constraint-errors.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { CapabilityFailedError, ConflictError, NotFoundError, ProxyConfigInvalidError, ProxyUnavailableError, ValidationError } from '../../errors.js';
import type { CommandRouter } from '../../gateway/command-router.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import { KeyedQueue } from './keyed-queue.js';
import { type AppliedFacts, inputOf, type ProxyHostRecord, rowsOf, toProxyHost, toProxyServer } from './proxies.mapping.js';
import type { ProxiesRepo, ProxyHostPosition } from './proxies.repo.js';
import type { ProxyStateSync } from './proxy-state-sync.js';
import { type CertificateMaterial, specOf } from './proxy-spec.js';

export type ProxyHostListFilter = z.output<typeof ProxyHostListQuerySchema>;

/** A host (agent) as this module needs it. */
export interface Host {
  id: string;
  name: string;
}

/** What the agents module tells this one: a host of the caller's org, or NotFoundError. */
export interface HostDirectory {
  getAgent(actor: Actor, id: string): Promise<Host>;
}

/** A certificate as the certificates module hands it out for deployment. */
export interface CertificateRecord {
  status: 'pending' | 'valid' | 'failed';
  domains: string[];
  certificatePem: string;
  privateKeyPem: string;
  expiresAt: string | null;
}

/** What the certificates module offers this one. */
export interface CertificateDirectory {
  /** Starts an ACME order in the background; the certificate's id, status pending. */
  startAcmeIssue(request: { actor: Actor; agentId: string; agentName: string; domains: string[] }): Promise<string>;
  createSelfSigned(actor: Actor, body: { name?: string; domains: string[]; days: number }): Promise<{ id: string }>;
  /** The org's certificate with its key, or undefined (another org's included). */
  material(orgId: string, certificateId: string): Promise<CertificateRecord | undefined>;
  summaries(orgId: string, ids: string[]): Promise<Map<string, CertificateSummary>>;
}

/** What a change is about, once known: the route names it in the audit row, even when the change then fails. */
export interface ProxyTarget {
  host: Host;
  proxyHostId?: string;
  domain?: string;
}
export type ProxyTargetListener = (target: ProxyTarget) => void;

const APPLY_TIMEOUT_MS = 60_000;
const RENDER_TIMEOUT_MS = 30_000;

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

function unexpected(command: string): CapabilityFailedError {
  return new CapabilityFailedError(`The agent answered ${command} with something else`, null);
}

/**
 * Proxy hosts: a domain on a host forwarded by its nginx to an address or a container.
 * Every change is rendered, tested and reloaded by the host's agent first; the rows are
 * written only once the agent has succeeded, so the database never describes a file the
 * host refused. Changes to one proxy host run one at a time.
 */
export class ProxiesService {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly deps: {
      repo: ProxiesRepo;
      hosts: HostDirectory;
      commands: CommandRouter;
      certificates: CertificateDirectory;
      /** Whether a certificate's names cover a domain (wildcards included). */
      covers: (certificateDomains: string[], domain: string) => boolean;
      sync: ProxyStateSync;
      bus: EventBus;
      transaction: TransactionRunner;
      clock: Clock;
      logger: { warn(object: object, message: string): void };
    },
  ) {}

  // ------------------------------------------------------------ reading

  /** GET /proxies: every host's proxy hosts in domain order. */
  list(actor: Actor, query: ProxyHostListFilter): Promise<Page<ProxyHost>> {
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
    const input = inputOf(record);
    const certificate = await this.deployable(actor.org.id, input);
    const result = await this.send(host, specOf(record.host.id, input, certificate?.material), ProxyApplyMode.RENDER);
    const storedHash = record.host.config_hash;
    const liveHash = this.deps.sync.liveFile(host.id, record.host.id)?.sha256 ?? null;
    // The last heartbeat may have been read before the last save; the sync decides what is drift.
    return { config: result.config, configHash: result.configHash, path: result.path, storedHash, liveHash, drift: record.host.status === 'drift' };
  }

  /**
   * POST .../test: nginx -t with the host's file as saved, or as the candidate would make
   * it, in place; the agent puts the previous file back either way. A refusal is an
   * answer here (ok: false, with what nginx said), not an error.
   */
  async test(actor: Actor, agentId: string, proxyHostId: string, candidate: ProxyHostInput | undefined, onTarget?: ProxyTargetListener): Promise<ProxyTestResult> {
    const { host, record } = await this.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId: record.host.id, domain: record.host.domain });
    const input = candidate ?? inputOf(record);
    const certificate = await this.certificateFor(actor.org.id, input, record.host.certificate_id);
    const spec = specOf(record.host.id, input, certificate?.material);
    await this.requireProxy(host);
    try {
      const result = await this.send(host, spec, ProxyApplyMode.TEST);
      return { ok: true, output: result.testOutput, config: result.config };
    } catch (error) {
      if (!(error instanceof ProxyConfigInvalidError)) throw error;
      const rendered = await this.send(host, spec, ProxyApplyMode.RENDER);
      return { ok: false, output: error.message.replace(NGINX_REFUSAL_PREFIX, ''), config: rendered.config };
    }
  }

  // ------------------------------------------------------------ changing

  /** POST /agents/:id/proxies: written, tested and reloaded on the host, then stored. */
  async create(actor: Actor, agentId: string, input: ProxyHostInput, onTarget?: ProxyTargetListener): Promise<ProxyHost> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    // The id exists before the file does: it names the file, so a retry writes the same one.
    const id = newId();
    // Named by its domain until it exists: a refused create leaves no id behind.
    onTarget?.({ host, domain: input.domain });
    return this.queue.run(id, async () => {
      await this.refuseTakenDomain(host, input.domain);
      const certificate = await this.certificateFor(actor.org.id, input, null);
      await this.requireProxy(host);
      const result = await this.deps.sync.whileApplying(id, () => this.send(host, specOf(id, input, certificate?.material), ProxyApplyMode.APPLY));
      const at = isoTimestamp(this.deps.clock.now());
      const rows = rowsOf({ id, agentId: host.id, createdAt: at, updatedAt: at }, input, appliedFacts(result, certificate));
      try {
        await this.deps.transaction(() => this.deps.repo.insert(rows));
      } catch (error) {
        // The host serves a file the database does not know: take it away again.
        await this.removeFile(host, id).catch((cleanup: unknown) => this.deps.logger.warn({ err: cleanup, proxyHostId: id }, 'could not remove the file of a proxy host that was not stored'));
        if (isUniqueViolation(error)) throw new ConflictError(`${input.domain} already has a proxy host on ${host.name}`);
        throw error;
      }
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

  /** DELETE /agents/:id/proxies/:pid: the file goes from the host first; the rows only once it has. */
  async remove(actor: Actor, agentId: string, proxyHostId: string, onTarget?: ProxyTargetListener): Promise<void> {
    const { host, record } = await this.target(actor, agentId, proxyHostId);
    onTarget?.({ host, proxyHostId, domain: record.host.domain });
    await this.queue.run(proxyHostId, async () => {
      await this.requireProxy(host);
      await this.deps.sync.whileApplying(proxyHostId, () => this.removeFile(host, proxyHostId));
      await this.deps.transaction(() => this.deps.repo.delete(proxyHostId));
      this.deps.sync.forget(host.id, proxyHostId);
      this.changed(actor.org.id, host.id, proxyHostId);
    });
  }

  /**
   * POST .../ssl. ACME: a pending certificate is attached and issued in the background
   * (202); HTTPS starts when it is issued. Self-signed or existing: attached and deployed
   * now (200), like a PUT that changes only the certificate.
   */
  async requestSsl(actor: Actor, agentId: string, proxyHostId: string, request: ProxySslRequest, onTarget?: ProxyTargetListener): Promise<{ status: 200 | 202; host: ProxyHost }> {
    const { host, record } = await this.target(actor, agentId, proxyHostId);
    const domain = record.host.domain;
    onTarget?.({ host, proxyHostId, domain });
    if (request.source === 'acme') {
      // The CA's HTTP-01 request must reach this host's nginx.
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
   * fails, the previous settings are applied again so the host and the rows agree.
   */
  private async replace(actor: Actor, host: Host, proxyHostId: string, change: (current: ProxyHostInput) => ProxyHostInput): Promise<ProxyHost> {
    const record = await this.deps.repo.getInOrg(actor.org.id, proxyHostId);
    if (!record || record.host.agent_id !== host.id) throw new NotFoundError('Proxy host');
    const previous = inputOf(record);
    const input = change(previous);
    await this.refuseTakenDomain(host, input.domain, proxyHostId);
    const certificate = await this.certificateFor(actor.org.id, input, record.host.certificate_id);
    await this.requireProxy(host);
    const result = await this.deps.sync.whileApplying(proxyHostId, () => this.send(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY));
    const at = isoTimestamp(this.deps.clock.now());
    const rows = rowsOf({ id: proxyHostId, agentId: host.id, createdAt: record.host.created_at, updatedAt: at }, input, appliedFacts(result, certificate));
    try {
      await this.deps.transaction(() => this.deps.repo.replace(rows));
    } catch (error) {
      await this.restore(host, proxyHostId, record);
      if (isUniqueViolation(error)) throw new ConflictError(`${input.domain} already has a proxy host on ${host.name}`);
      throw error;
    }
    this.stored(record, rows.host.updated_at);
    return this.get(actor, host.id, proxyHostId);
  }

  /** Puts back the file the rows describe (after a change that could not be stored); logged, never thrown. */
  private async restore(host: Host, proxyHostId: string, record: ProxyHostRecord): Promise<void> {
    try {
      const input = inputOf(record);
      const certificate = await this.deployable(record.orgId, input);
      await this.deps.sync.whileApplying(proxyHostId, () => this.send(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY));
    } catch (error) {
      this.deps.logger.warn({ err: error, proxyHostId }, 'could not put back the previous file of a proxy host whose change was not stored');
    }
  }

  // ------------------------------------------------------------ re-applying (the bus)

  /**
   * Listens for what makes a deployed file stale: a certificate issued (or renewed) for
   * the hosts using it, and a container started again (its IP may have changed) for the
   * hosts forwarding to it. Returns the function that stops listening.
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
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }

  /**
   * Renders and applies a stored proxy host again as its rows say (with its certificate's
   * current material, if valid). A refusal marks the host `error` with why; this never
   * throws, since nobody waits for it but the bus.
   */
  async reapply(proxyHostId: string, orgId: string): Promise<void> {
    await this.queue.run(proxyHostId, async () => {
      const record = await this.deps.repo.getById(proxyHostId);
      if (!record || record.orgId !== orgId) return;
      const host = { id: record.host.agent_id, name: record.agentName };
      try {
        const input = inputOf(record);
        const certificate = await this.deployable(orgId, input);
        await this.requireProxy(host);
        const result = await this.deps.sync.whileApplying(proxyHostId, () => this.send(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY));
        const at = isoTimestamp(this.deps.clock.now());
        const rows = rowsOf({ id: proxyHostId, agentId: host.id, createdAt: record.host.created_at, updatedAt: at }, input, appliedFacts(result, certificate));
        await this.deps.transaction(() => this.deps.repo.replace(rows));
        this.stored(record, at);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ err: message, proxyHostId }, 'could not apply a proxy host again');
        await this.deps.repo
          .markError(proxyHostId, message, isoTimestamp(this.deps.clock.now()))
          .then(() => this.changed(orgId, host.id, proxyHostId))
          .catch((markFailure: unknown) => this.deps.logger.warn({ err: markFailure, proxyHostId }, 'could not record why a proxy host was not applied'));
      }
    });
  }

  // ------------------------------------------------------------ helpers

  /** The proxy host of a host of the caller's org; another org's (or another host's) is not found. */
  private async target(actor: Actor, agentId: string, proxyHostId: string): Promise<{ host: Host; record: ProxyHostRecord }> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    const record = await this.deps.repo.getInOrg(actor.org.id, proxyHostId);
    if (!record || record.host.agent_id !== host.id) throw new NotFoundError('Proxy host', `No proxy host ${proxyHostId} on ${host.name}`);
    return { host, record };
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
   * The certificate a change deploys. A newly chosen one must be a valid certificate of
   * the org whose names cover the domain (400 otherwise). The one already attached is
   * kept as it is: while its ACME order runs, or after it failed, the host serves HTTP.
   */
  private async certificateFor(orgId: string, input: ProxyHostInput, attachedId: string | null): Promise<{ material: CertificateMaterial; expiresAt: string | null } | undefined> {
    const certificateId = input.certificateId;
    if (certificateId === null) return undefined;
    if (certificateId === attachedId) return this.deployable(orgId, input);
    const record = await this.deps.certificates.material(orgId, certificateId);
    const problem = (message: string) => new ValidationError(message, [{ path: 'body.certificateId', message }]);
    if (!record) throw problem(`Certificate ${certificateId} does not exist`);
    if (record.status !== 'valid') throw problem(`Certificate ${certificateId} is ${record.status}, not valid: it cannot serve HTTPS yet`);
    if (!this.deps.covers(record.domains, input.domain)) throw problem(`Certificate ${certificateId} is for ${record.domains.join(', ')}, which does not cover ${input.domain}`);
    return { material: { certificatePem: record.certificatePem, privateKeyPem: record.privateKeyPem }, expiresAt: record.expiresAt };
  }

  /** The attached certificate's material when it can serve the domain now; otherwise the host serves HTTP only. */
  private async deployable(orgId: string, input: ProxyHostInput): Promise<{ material: CertificateMaterial; expiresAt: string | null } | undefined> {
    if (input.certificateId === null) return undefined;
    const record = await this.deps.certificates.material(orgId, input.certificateId);
    if (!record || record.status !== 'valid' || !this.deps.covers(record.domains, input.domain)) return undefined;
    return { material: { certificatePem: record.certificatePem, privateKeyPem: record.privateKeyPem }, expiresAt: record.expiresAt };
  }

  /** 503 before anything is sent when the host's last heartbeat said it has no usable nginx. */
  private async requireProxy(host: Host): Promise<void> {
    const server = await this.deps.repo.getServer(host.id);
    if (server && Number(server.available) !== 1) {
      throw new ProxyUnavailableError(`The reverse proxy is not available on ${host.name}: ${server.problem ?? 'its agent did not say why'}`);
    }
  }

  private async send(host: Host, spec: ProxyHostSpec, mode: ProxyApplyMode): Promise<ProxyApplyResult> {
    const result = await this.deps.commands.send(
      host.id,
      { case: 'proxyApply', value: create(ProxyApplyCommandSchema, { host: spec, mode }) },
      { timeoutMs: mode === ProxyApplyMode.RENDER ? RENDER_TIMEOUT_MS : APPLY_TIMEOUT_MS, agentName: host.name },
    );
    if (result.case !== 'proxyApply') throw unexpected('proxy.apply');
    return result.value;
  }

  private async removeFile(host: Host, proxyHostId: string): Promise<void> {
    const result = await this.deps.commands.send(host.id, { case: 'proxyRemove', value: create(ProxyRemoveCommandSchema, { proxyHostId }) }, { timeoutMs: APPLY_TIMEOUT_MS, agentName: host.name });
    if (result.case !== 'proxyRemove') throw unexpected('proxy.remove');
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
function appliedFacts(result: ProxyApplyResult, certificate: { expiresAt: string | null } | undefined): AppliedFacts {
  return {
    configHash: result.configHash.toLowerCase(),
    configPath: result.path,
    upstreamAddress: result.upstreamAddress || null,
    ssl: certificate ? { certificatePath: result.certificatePath, privateKeyPath: result.privateKeyPath, expiresAt: certificate.expiresAt } : null,
  };
}
