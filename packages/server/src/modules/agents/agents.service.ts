import { create } from '@bufbuild/protobuf';
import {
  ENROLLMENT_TOKEN_PREFIX,
  type Agent,
  type AgentCreate,
  type AgentEnrollment,
  type AgentLiveFigures,
  type AgentMetrics,
  type AgentMetricsPoint,
  type AgentMetricsQuery,
  type AgentPing,
  type AgentStatus,
  type AgentSystemInfo,
  type EnrollmentToken,
  type Page,
} from '@infrapilot/protocol';
import { PingCommandSchema, SystemInfoCommandSchema, type Hello, type OsInfo, type SystemMetrics } from '@infrapilot/protocol/agent';
import type { Insertable } from 'kysely';
import type { AgentCertificatesTable, AgentMetricSamplesTable, AgentsTable, EnrollmentTokensTable } from '../../db/schema.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { CapabilityFailedError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import type { CommandRouter } from '../../gateway/command-router.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import { type InternalCa, InvalidCertificateRequestError, type IssuedCertificate } from '../../platform/crypto/internal-ca.js';
import { hashToken, randomToken } from '../../platform/crypto/tokens.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { AgentsRepo } from './agents.repo.js';
import { joinCommandFor, installCommandFor } from './join-commands.js';
import { pageOf } from '../../platform/pagination.js';

/** Who is calling over mTLS, established from the client certificate. */
export interface AgentPrincipal {
  agentId: string;
  orgId: string;
  name: string;
  /** The status when the call was authenticated; heartbeats change it from this. */
  status: string;
}

/** What Register receives, already decoded from protobuf. */
export interface RegistrationRequest {
  enrollmentToken: string;
  hostname: string;
  agentVersion: string;
  os: OsInfo | undefined;
  certificateRequest: Uint8Array;
  protocolVersion: number;
  orgId: string;
}

export interface Registration {
  agentId: string;
  orgId: string;
  certificatePem: string;
  caCertificatePem: string;
  heartbeatIntervalSeconds: number;
}

/** Why a certificate was refused; the gateway logs it and tells the peer. */
export type CertificateCheck = { ok: true; principal: AgentPrincipal } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

export interface AgentsSettings {
  heartbeatIntervalSeconds: number;
  /** The gRPC endpoint agents dial, e.g. https://cp.example.com:8443 */
  agentServerUrl: string;
  /** The HTTP URL install.sh is served from. */
  publicUrl: string;
  metricsRetentionDays: number;
}

const MISSED_HEARTBEATS_BEFORE_OFFLINE = 3;
// Keep the answer readable: at most this many points, whatever the step asked.
const MAX_POINTS = 2_000;
const DEFAULT_POINTS = 300;
const DEFAULT_RANGE_MS = 60 * 60 * 1000;
const MAX_RANGE_MS = 92 * 24 * 60 * 60 * 1000;

function sumDisks(metrics: SystemMetrics): { used: number; total: number } {
  return metrics.disks.reduce((sum, disk) => ({ used: sum.used + Number(disk.usedBytes), total: sum.total + Number(disk.totalBytes) }), { used: 0, total: 0 });
}

function liveFiguresOf(metrics: SystemMetrics, collectedAt: Date): AgentLiveFigures {
  return {
    collectedAt: isoTimestamp(collectedAt),
    cpuPercent: metrics.cpuPercent,
    memoryUsedBytes: Number(metrics.memoryUsedBytes),
    memoryTotalBytes: Number(metrics.memoryTotalBytes),
    disks: metrics.disks.map((disk) => ({ mountPoint: disk.mountPoint, filesystem: disk.filesystem, usedBytes: Number(disk.usedBytes), totalBytes: Number(disk.totalBytes) })),
    loadAverage1m: metrics.loadAverage1m,
    loadAverage5m: metrics.loadAverage5m,
    loadAverage15m: metrics.loadAverage15m,
    networkReceiveBytesPerSecond: metrics.networkReceiveBytesPerSecond,
    networkTransmitBytesPerSecond: metrics.networkTransmitBytesPerSecond,
    uptimeSeconds: Number(metrics.uptimeSeconds),
  };
}

function sampleRow(agentId: string, metrics: SystemMetrics, collectedAtMs: number): Insertable<AgentMetricSamplesTable> {
  const disks = sumDisks(metrics);
  const finite = (value: number) => (Number.isFinite(value) ? value : 0);
  return {
    agent_id: agentId,
    collected_at_ms: collectedAtMs,
    cpu_percent: finite(metrics.cpuPercent),
    memory_used_bytes: Number(metrics.memoryUsedBytes),
    memory_total_bytes: Number(metrics.memoryTotalBytes),
    disk_used_bytes: disks.used,
    disk_total_bytes: disks.total,
    load_average_1m: finite(metrics.loadAverage1m),
    load_average_5m: finite(metrics.loadAverage5m),
    load_average_15m: finite(metrics.loadAverage15m),
    network_receive_bytes_per_second: finite(metrics.networkReceiveBytesPerSecond),
    network_transmit_bytes_per_second: finite(metrics.networkTransmitBytesPerSecond),
    uptime_seconds: Number(metrics.uptimeSeconds),
  };
}

/** One stored sample as a chart point, the shape GET /agents/:id/metrics answers with. */
function chartPointOf(sample: Insertable<AgentMetricSamplesTable>, at: string): AgentMetricsPoint {
  return {
    at,
    samples: 1,
    cpuPercent: sample.cpu_percent,
    memoryUsedBytes: sample.memory_used_bytes,
    memoryTotalBytes: sample.memory_total_bytes,
    diskUsedBytes: sample.disk_used_bytes,
    diskTotalBytes: sample.disk_total_bytes,
    loadAverage1m: sample.load_average_1m,
    networkReceiveBytesPerSecond: sample.network_receive_bytes_per_second,
    networkTransmitBytesPerSecond: sample.network_transmit_bytes_per_second,
  };
}

function certificateRow(agentId: string, issued: IssuedCertificate, issuedAt: string): AgentCertificatesTable {
  return {
    id: newId(),
    agent_id: agentId,
    fingerprint: issued.fingerprint,
    serial_number: issued.serialNumber,
    not_before: isoTimestamp(issued.notBefore),
    not_after: isoTimestamp(issued.notAfter),
    issued_at: issuedAt,
    revoked_at: null,
  };
}

function toEnrollmentToken(row: EnrollmentTokensTable): EnrollmentToken {
  return { id: row.id, name: row.agent_name ?? '', createdBy: row.created_by, createdAt: row.created_at, expiresAt: row.expires_at };
}

/**
 * Hosts: enrollment with single-use tokens, the certificates that identify them, their
 * heartbeats and figures, the status that follows, and the commands sent to them.
 */
export class AgentsService {
  constructor(
    private readonly deps: {
      repo: AgentsRepo;
      ca: InternalCa;
      commands: CommandRouter;
      bus: EventBus;
      transaction: TransactionRunner;
      clock: Clock;
      settings: AgentsSettings;
    },
  ) {}

  /** How often agents are told to beat. */
  get heartbeatIntervalSeconds(): number {
    return this.deps.settings.heartbeatIntervalSeconds;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  // ------------------------------------------------------------ enrollment

  /** POST /agents: a single-use token and the commands that use it. */
  async createEnrollment(actor: Actor, input: AgentCreate): Promise<AgentEnrollment> {
    const createdBy = actor.identity.kind === 'user' ? actor.identity.userId : actor.identity.createdBy;
    return this.mintEnrollment(actor.org.id, input, createdBy);
  }

  /** Mints a token without a person behind it: `infrapilot up` enrolls its local agent this way. */
  async mintEnrollment(orgId: string, input: AgentCreate, createdBy: string | null = null): Promise<AgentEnrollment> {
    const now = this.now();
    const token = `${ENROLLMENT_TOKEN_PREFIX}${randomToken(32)}`;
    const row: EnrollmentTokensTable = {
      id: newId(),
      org_id: orgId,
      agent_id: null,
      token_hash: hashToken(token),
      created_by: createdBy,
      created_at: isoTimestamp(now),
      expires_at: isoTimestamp(new Date(now.getTime() + (input.expiresInMinutes ?? 60) * 60_000)),
      used_at: null,
      agent_name: input.name,
      revoked_at: null,
    };
    await this.deps.repo.createEnrollmentToken(row);
    const { agentServerUrl, publicUrl } = this.deps.settings;
    const caHash = this.deps.ca.pinnedHash;
    return {
      enrollmentToken: toEnrollmentToken(row),
      token,
      serverUrl: agentServerUrl,
      caHash,
      joinCommand: joinCommandFor({ serverUrl: agentServerUrl, token, caHash }),
      installCommand: installCommandFor({ publicUrl, token, caHash }),
    };
  }

  async listEnrollmentTokens(actor: Actor): Promise<EnrollmentToken[]> {
    return (await this.deps.repo.listOpenEnrollmentTokens(actor.org.id, isoTimestamp(this.now()))).map(toEnrollmentToken);
  }

  async revokeEnrollmentToken(actor: Actor, id: string): Promise<void> {
    if (!(await this.deps.repo.revokeEnrollmentToken(actor.org.id, id, isoTimestamp(this.now())))) throw new NotFoundError('Enrollment token');
  }

  /**
   * Register: checks the token, signs the CSR, creates the agent. The token is claimed
   * in the same transaction that creates the agent, so a token enrolls exactly one host
   * and a refused registration leaves no row behind.
   */
  async register(request: RegistrationRequest): Promise<Registration> {
    const refuse = (reason: string) => new ForbiddenError(`Enrollment refused: ${reason}. Ask a super_admin for a new token (infrapilot agents add <name>).`);
    if (!request.enrollmentToken.startsWith(ENROLLMENT_TOKEN_PREFIX)) throw refuse('this is not an enrollment token');
    const token = await this.deps.repo.getEnrollmentTokenByHash(hashToken(request.enrollmentToken));
    if (!token) throw refuse('the enrollment token is not known');
    if (token.revoked_at) throw refuse('the enrollment token was revoked');
    if (token.used_at) throw refuse('the enrollment token was already used');
    const now = this.now();
    if (token.expires_at <= isoTimestamp(now)) throw refuse(`the enrollment token expired at ${token.expires_at}`);
    if (request.orgId && request.orgId !== token.org_id) throw refuse('the enrollment token belongs to another organization');
    const hostname = request.hostname.trim().slice(0, 255);
    if (!hostname) throw new ValidationError('hostname is required');

    const agentId = newId();
    const issued = await this.signCertificate(request.certificateRequest, agentId);
    const at = isoTimestamp(now);
    await this.deps.transaction(async () => {
      if (!(await this.deps.repo.claimEnrollmentToken(token.id, at))) throw refuse('the enrollment token was already used');
      await this.deps.repo.createAgent({
        id: agentId,
        org_id: token.org_id,
        name: token.agent_name ?? hostname,
        hostname,
        fingerprint: issued.fingerprint,
        status: 'pending',
        version: request.agentVersion.slice(0, 50) || null,
        last_seen_at: null,
        created_at: at,
        os_name: request.os?.name.slice(0, 255) ?? null,
        kernel: request.os?.kernel.slice(0, 255) ?? null,
        architecture: request.os?.architecture.slice(0, 50) ?? null,
        platform: request.os?.platform.slice(0, 50) ?? null,
        protocol_version: request.protocolVersion || null,
        capabilities: null,
        certificate_expires_at: isoTimestamp(issued.notAfter),
        latest_metrics: null,
        revoked_at: null,
      });
      await this.deps.repo.createCertificate(certificateRow(agentId, issued, at));
      await this.deps.repo.linkEnrollmentToken(token.id, agentId);
    });
    this.deps.bus.publish('agent.enrolled', { orgId: token.org_id, agentId, name: token.agent_name ?? hostname, at });
    return {
      agentId,
      orgId: token.org_id,
      certificatePem: issued.pem,
      caCertificatePem: this.deps.ca.certificatePem,
      heartbeatIntervalSeconds: this.deps.settings.heartbeatIntervalSeconds,
    };
  }

  /** Whose certificate this is, if it may still be used. TLS has already checked chain and dates. */
  async checkCertificate(fingerprint: string): Promise<CertificateCheck> {
    const owner = await this.deps.repo.getCertificateOwner(fingerprint);
    if (!owner) return { ok: false, reason: 'unknown' };
    if (owner.agentRevokedAt || owner.certificateRevokedAt) return { ok: false, reason: 'revoked' };
    if (owner.notAfter <= isoTimestamp(new Date())) return { ok: false, reason: 'expired' };
    return { ok: true, principal: { agentId: owner.agentId, orgId: owner.orgId, name: owner.name, status: owner.status } };
  }

  /** RenewCertificate: a fresh 30-day certificate for the calling agent's new key. */
  async renewCertificate(principal: AgentPrincipal, certificateRequest: Uint8Array): Promise<string> {
    const issued = await this.signCertificate(certificateRequest, principal.agentId);
    const at = isoTimestamp(this.now());
    await this.deps.transaction(async () => {
      // The previous certificate stays valid until it expires, so an agent that crashes
      // before saving the new one is not locked out.
      await this.deps.repo.createCertificate(certificateRow(principal.agentId, issued, at));
      await this.deps.repo.update(principal.agentId, { fingerprint: issued.fingerprint, certificate_expires_at: isoTimestamp(issued.notAfter) });
    });
    return issued.pem;
  }

  // ------------------------------------------------------------ liveness and figures

  /** What the agent announced at the start of its CommandStream. */
  async recordHello(principal: AgentPrincipal, hello: Hello): Promise<void> {
    await this.deps.repo.update(principal.agentId, {
      version: hello.agentVersion.slice(0, 50) || null,
      protocol_version: hello.protocolVersion || null,
      capabilities: JSON.stringify(hello.capabilities.slice(0, 200).map((name) => name.slice(0, 100))),
    });
  }

  /** Heartbeat: the agent is alive; store its figures; pending/offline → active. */
  async recordHeartbeat(principal: AgentPrincipal, metrics: SystemMetrics | undefined, agentVersion: string): Promise<number> {
    const now = this.now();
    const at = isoTimestamp(now);
    // The certificate check just read the agent's row; no second read on this hot path.
    const live = metrics ? liveFiguresOf(metrics, now) : undefined;
    const sample = metrics ? sampleRow(principal.agentId, metrics, now.getTime()) : undefined;
    await this.deps.repo.update(principal.agentId, {
      last_seen_at: at,
      ...(agentVersion ? { version: agentVersion.slice(0, 50) } : {}),
      ...(live ? { latest_metrics: JSON.stringify(live) } : {}),
    });
    if (sample) await this.deps.repo.insertSamples([sample]);
    if (principal.status !== 'active') await this.changeStatus({ id: principal.agentId, org_id: principal.orgId, status: principal.status }, 'active');
    if (live && sample) this.deps.bus.publish('agent.sampled', { orgId: principal.orgId, agentId: principal.agentId, live, point: chartPointOf(sample, at) });
    return this.deps.settings.heartbeatIntervalSeconds;
  }

  /** PushMetrics: samples collected while the agent was cut off, at the agent's timestamps. */
  async recordBacklog(principal: AgentPrincipal, samples: SystemMetrics[]): Promise<number> {
    const nowMs = this.now().getTime();
    const oldest = nowMs - this.deps.settings.metricsRetentionDays * 86_400_000;
    // Samples from the future or beyond retention are a clock problem on the host; drop them.
    const rows = samples
      .slice(0, 1_000)
      .map((sample) => ({ sample, at: Number(sample.collectedAtUnixMs) }))
      .filter(({ at }) => at >= oldest && at <= nowMs + 60_000)
      .map(({ sample, at }) => sampleRow(principal.agentId, sample, at));
    await this.deps.repo.insertSamples(rows);
    return rows.length;
  }

  /** Active agents silent for three intervals go offline. Run periodically. */
  async markSilentAgentsOffline(): Promise<number> {
    const cutoff = new Date(this.now().getTime() - MISSED_HEARTBEATS_BEFORE_OFFLINE * this.deps.settings.heartbeatIntervalSeconds * 1000);
    const lastSeenBefore = isoTimestamp(cutoff);
    const silent = await this.deps.repo.listSilentActiveAgents(lastSeenBefore);
    let changed = 0;
    for (const agent of silent) if (await this.changeStatus(agent, 'offline', { lastSeenBefore })) changed += 1;
    return changed;
  }

  async pruneOldSamples(): Promise<number> {
    return this.deps.repo.deleteSamplesBefore(this.now().getTime() - this.deps.settings.metricsRetentionDays * 86_400_000);
  }

  private async changeStatus(agent: Pick<AgentsTable, 'id' | 'org_id' | 'status'>, to: AgentStatus, options: { lastSeenBefore?: string } = {}): Promise<boolean> {
    if (!(await this.deps.repo.changeStatus(agent.id, agent.status, to, options))) return false;
    this.deps.bus.publish('agent.status_changed', { orgId: agent.org_id, agentId: agent.id, from: agent.status, to, at: isoTimestamp(this.now()) });
    return true;
  }

  // ------------------------------------------------------------ reading and removing

  async listAgents(actor: Actor, page: { limit: number; cursor?: string | undefined }): Promise<Page<Agent>> {
    const rows = await this.deps.repo.listInOrg(actor.org.id, { limit: page.limit + 1, ...(page.cursor ? { afterId: page.cursor } : {}) });
    return pageOf(rows, page.limit, (row) => this.toAgent(row));
  }

  async getAgent(actor: Actor, id: string): Promise<Agent> {
    return this.toAgent(await this.requireAgent(actor, id));
  }

  /** DELETE /agents/:id: revokes its certificates and closes its stream at once. */
  async removeAgent(actor: Actor, id: string): Promise<Agent> {
    const row = await this.requireAgent(actor, id);
    const at = isoTimestamp(this.now());
    await this.deps.transaction(() => this.deps.repo.revoke(id, at));
    this.deps.commands.disconnect(id, 'removed');
    this.deps.bus.publish('agent.removed', { orgId: row.org_id, agentId: id, at });
    return { ...this.toAgent(row), connected: false };
  }

  async metrics(actor: Actor, id: string, query: AgentMetricsQuery): Promise<AgentMetrics> {
    await this.requireAgent(actor, id);
    // Without `to`, include the sample taken this very millisecond.
    const toMs = query.to ? Date.parse(query.to) : this.now().getTime() + 1;
    const fromMs = query.from ? Date.parse(query.from) : toMs - DEFAULT_RANGE_MS;
    if (fromMs >= toMs) throw new ValidationError('`from` must be before `to` (which defaults to now)', [{ path: 'querystring.from', message: 'must be before to' }]);
    if (toMs - fromMs > MAX_RANGE_MS) throw new ValidationError('The range may span at most 92 days', [{ path: 'querystring.from', message: 'range too long' }]);
    const minimumStep = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / MAX_POINTS));
    const stepSeconds = query.step ?? Math.max(this.deps.settings.heartbeatIntervalSeconds, Math.ceil((toMs - fromMs) / 1000 / DEFAULT_POINTS));
    if (stepSeconds < minimumStep) {
      throw new ValidationError(`A step of ${stepSeconds}s gives more than ${MAX_POINTS} points; use at least ${minimumStep}s`, [
        { path: 'querystring.step', message: `at least ${minimumStep}` },
      ]);
    }
    const buckets = await this.deps.repo.bucketedSamples(id, fromMs, toMs, stepSeconds * 1000);
    return {
      agentId: id,
      from: isoTimestamp(new Date(fromMs)),
      to: isoTimestamp(new Date(toMs)),
      stepSeconds,
      points: buckets.map((bucket) => ({
        at: isoTimestamp(new Date(fromMs + bucket.bucket * stepSeconds * 1000)),
        samples: bucket.samples,
        cpuPercent: bucket.cpu_percent,
        memoryUsedBytes: bucket.memory_used_bytes,
        memoryTotalBytes: bucket.memory_total_bytes,
        diskUsedBytes: bucket.disk_used_bytes,
        diskTotalBytes: bucket.disk_total_bytes,
        loadAverage1m: bucket.load_average_1m,
        networkReceiveBytesPerSecond: bucket.network_receive_bytes_per_second,
        networkTransmitBytesPerSecond: bucket.network_transmit_bytes_per_second,
      })),
    };
  }

  // ------------------------------------------------------------ commands

  /** POST /agents/:id/ping: a round trip over the CommandStream. */
  async ping(actor: Actor, id: string, timeoutMs = 10_000): Promise<AgentPing> {
    const agent = await this.requireAgent(actor, id);
    const started = performance.now();
    const result = await this.deps.commands.send(id, { case: 'ping', value: create(PingCommandSchema, { payload: new Uint8Array(16) }) }, { timeoutMs, agentName: agent.name });
    const roundTripMs = Math.round((performance.now() - started) * 1000) / 1000;
    if (result.case !== 'ping') throw new CapabilityFailedError('The agent answered a ping with something else', null);
    return { agentId: id, roundTripMs, agentTime: isoTimestamp(new Date(Number(result.value.agentTimeUnixMs))) };
  }

  /** GET /agents/:id/system-info: what the host says about itself right now. */
  async systemInfo(actor: Actor, id: string): Promise<AgentSystemInfo> {
    const agent = await this.requireAgent(actor, id);
    const result = await this.deps.commands.send(id, { case: 'systemInfo', value: create(SystemInfoCommandSchema, {}) }, { timeoutMs: 15_000, agentName: agent.name });
    if (result.case !== 'systemInfo') throw new CapabilityFailedError('The agent answered system.info with something else', null);
    const info = result.value;
    return {
      hostname: info.hostname,
      os: { name: info.os?.name ?? '', kernel: info.os?.kernel ?? '', architecture: info.os?.architecture ?? '', platform: info.os?.platform ?? '' },
      cpuCount: info.cpuCount,
      cpuModel: info.cpuModel,
      memoryTotalBytes: Number(info.memoryTotalBytes),
      uptimeSeconds: Number(info.uptimeSeconds),
      agentVersion: info.agentVersion,
      runtimeVersion: info.runtimeVersion,
      capabilities: info.capabilities,
    };
  }

  /** Signs a CSR for the agent; a CSR we cannot use is the caller's fault (400). */
  private async signCertificate(certificateRequest: Uint8Array, agentId: string): Promise<IssuedCertificate> {
    try {
      return await this.deps.ca.signClientCertificate(certificateRequest, agentId);
    } catch (error) {
      if (error instanceof InvalidCertificateRequestError) throw new ValidationError(error.message);
      throw error;
    }
  }

  private async requireAgent(actor: Actor, id: string): Promise<AgentsTable> {
    const row = await this.deps.repo.getInOrg(actor.org.id, id);
    if (!row) throw new NotFoundError('Agent');
    return row;
  }

  private toAgent(row: AgentsTable): Agent {
    return {
      id: row.id,
      name: row.name,
      hostname: row.hostname,
      status: row.status as AgentStatus,
      connected: this.deps.commands.isConnected(row.id),
      version: row.version,
      protocolVersion: row.protocol_version,
      os: row.os_name !== null ? { name: row.os_name, kernel: row.kernel ?? '', architecture: row.architecture ?? '', platform: row.platform ?? '' } : null,
      capabilities: row.capabilities ? (JSON.parse(row.capabilities) as string[]) : [],
      lastSeenAt: row.last_seen_at,
      createdAt: row.created_at,
      certificateExpiresAt: row.certificate_expires_at,
      certificateFingerprint: row.fingerprint,
      live: row.latest_metrics ? (JSON.parse(row.latest_metrics) as AgentLiveFigures) : null,
    };
  }
}
