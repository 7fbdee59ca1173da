import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  AGENT_PROTOCOL_VERSION,
  AgentMessageSchema,
  AsyncQueue,
  DiskUsageSchema,
  HelloSchema,
  SystemMetricsSchema,
  type AgentMessage,
  type ContainerEvent,
  type DockerState,
  type ProxyState,
  type SystemMetrics,
} from '@infrapilot/protocol/agent';
import { MetricsCollector, type SystemMetricsSample } from '../capabilities/metrics/metrics-collector.js';
import { CapabilityRegistry, type Capability } from '../capabilities/registry.js';
import { systemCapability } from '../capabilities/system/system.capability.js';
import { createConsoleLogger, type AgentLogger } from '../logger.js';
import { DEFAULT_POLICY, type AgentPolicy } from '../policy.js';
import { AGENT_VERSION } from '../version.js';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { CommandDispatcher, type DispatchEvent } from './command-dispatcher.js';
import { ExecutedRequests } from './executed-requests.js';
import { createKeyAndRequest, lifetimeOf, renewalDueAt } from './identity.js';
import { StateStore, type AgentCredentials } from './state-store.js';
import { openConnection, type AgentConnection } from './transport.js';

/** What the docker capability offers the runtime (capabilities/docker). */
export interface DockerStateSource {
  /** Engine status and every container, with CPU and memory as of the last sample. */
  state(): Promise<DockerState>;
  /** Calls back on each container event Docker reports, from now until close. */
  onEvent(listener: (event: ContainerEvent) => void): void;
}

/** What the proxy capability offers the runtime (capabilities/proxy). */
export interface ProxyStateSource {
  /** nginx's availability and every managed file with its current SHA-256 (drift shows here). */
  state(): Promise<ProxyState>;
}

/** The control plane turned this agent away for good: removed, or a certificate it no longer knows. */
export class AgentRejectedError extends Error {}

export interface AgentRuntimeOptions {
  stateDir: string;
  /** Dial this gRPC URL instead of the one saved at join (the local agent of `up` when its port changed). */
  serverUrl?: string;
  policy?: AgentPolicy;
  logger?: AgentLogger;
  backoff?: BackoffOptions;
  metrics?: { collect(): Promise<SystemMetricsSample> };
  /** Extra capabilities beyond `system` (docker, exec, proxy, ...). */
  capabilities?: Capability[];
  /** The host's Docker view: its state rides on every heartbeat, its events go up at once. */
  docker?: DockerStateSource;
  /** The host's reverse proxy: its state rides on every heartbeat. */
  proxy?: ProxyStateSource;
  /** Heartbeat interval until the server says otherwise. */
  initialHeartbeatIntervalSeconds?: number;
}

/** Events the runtime emits, for logs, `up`, tests and the fleet simulator. */
export interface AgentRuntimeEvents {
  connected: [{ agentId: string; heartbeatIntervalSeconds: number }];
  disconnected: [{ reason: string }];
  heartbeat: [{ acknowledged: boolean }];
  renewed: [{ notAfter: Date }];
  dispatch: [DispatchEvent];
}

// Samples kept while the server is unreachable: an hour at the default 10 s interval.
const METRICS_BACKLOG_LIMIT = 360;
// Answers kept while disconnected; beyond this the server has long timed them out.
const PENDING_ANSWERS_LIMIT = 1_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
const FAILED_HEARTBEATS_BEFORE_RECONNECT = 3;

function toProtoMetrics(sample: SystemMetricsSample): SystemMetrics {
  const whole = (value: number) => BigInt(Math.max(0, Math.round(value)));
  return create(SystemMetricsSchema, {
    collectedAtUnixMs: BigInt(sample.collectedAtUnixMs),
    cpuPercent: sample.cpuPercent,
    memoryUsedBytes: whole(sample.memoryUsedBytes),
    memoryTotalBytes: whole(sample.memoryTotalBytes),
    disks: sample.disks.map((disk) =>
      create(DiskUsageSchema, { mountPoint: disk.mountPoint, filesystem: disk.filesystem, usedBytes: whole(disk.usedBytes), totalBytes: whole(disk.totalBytes) }),
    ),
    loadAverage1m: sample.loadAverage1m,
    loadAverage5m: sample.loadAverage5m,
    loadAverage15m: sample.loadAverage15m,
    networkReceiveBytesPerSecond: sample.networkReceiveBytesPerSecond,
    networkTransmitBytesPerSecond: sample.networkTransmitBytesPerSecond,
    uptimeSeconds: whole(sample.uptimeSeconds),
  });
}

function isRejection(error: unknown): error is ConnectError {
  return error instanceof ConnectError && (error.code === Code.PermissionDenied || error.code === Code.Unauthenticated);
}

function describe(error: unknown): string {
  if (error instanceof ConnectError) return `${Code[error.code]}: ${error.rawMessage}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * `infrapilot agent run`: keeps one CommandStream open to the control plane, sends a
 * heartbeat with the host's figures every interval, runs the commands that arrive, and
 * renews its certificate. Reconnects with capped, jittered back-off and never gives up —
 * unless the server says this agent was removed, which ends run() with AgentRejectedError.
 */
export class AgentRuntime extends EventEmitter<AgentRuntimeEvents> {
  private readonly store: StateStore;
  private readonly logger: AgentLogger;
  private readonly backoff: Backoff;
  private readonly metrics: { collect(): Promise<SystemMetricsSample> };
  private readonly registry: CapabilityRegistry;
  private readonly dispatcher: CommandDispatcher;
  /** Answers produced while no stream was open; sent first on the next one. */
  private readonly pendingAnswers: AgentMessage[] = [];
  private readonly metricsBacklog: SystemMetrics[] = [];
  private heartbeatIntervalSeconds: number;
  private outbound: AsyncQueue<AgentMessage> | undefined;
  private connection: AgentConnection | undefined;
  private session: AbortController | undefined;
  private stopping = new AbortController();
  private running: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private failedHeartbeats = 0;
  private renewing = false;
  private rejection: AgentRejectedError | undefined;
  private credentials: AgentCredentials | undefined;

  constructor(private readonly options: AgentRuntimeOptions) {
    super();
    this.store = new StateStore(options.stateDir);
    this.logger = options.logger ?? createConsoleLogger();
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.metrics = options.metrics ?? new MetricsCollector();
    this.heartbeatIntervalSeconds = options.initialHeartbeatIntervalSeconds ?? 10;
    const policy = options.policy ?? DEFAULT_POLICY;
    const capabilities: Capability[] = [systemCapability(() => this.registry.announced()), ...(options.capabilities ?? [])];
    this.registry = new CapabilityRegistry(capabilities, policy);
    this.dispatcher = new CommandDispatcher(
      this.registry,
      new ExecutedRequests(join(options.stateDir, 'executed-requests.log')),
      (answer) => this.sendAnswer(answer),
      (event) => this.emit('dispatch', event),
      Date.now,
      () => this.outbound?.size ?? 0,
    );
    // Sent only while connected: a missed event is healed by the next heartbeat's full state.
    options.docker?.onEvent((event) => {
      this.outbound?.push(create(AgentMessageSchema, { payload: { case: 'containerEvent', value: event } }));
    });
  }

  /** The agent id from the state dir (run() fails fast when the host is not enrolled). */
  get agentId(): string | undefined {
    return this.credentials?.identity.agentId;
  }

  get connected(): boolean {
    return this.outbound !== undefined;
  }

  /** Runs until stop(); rejects with AgentRejectedError if the server turns the agent away. */
  run(): Promise<void> {
    this.credentials = this.store.load();
    this.running ??= this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.session?.abort();
    this.dispatcher.abortAll();
    clearTimeout(this.heartbeatTimer);
    await this.running?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    this.scheduleHeartbeat(0);
    try {
      while (!this.stopping.signal.aborted) {
        let planned = false;
        try {
          planned = await this.runSession();
        } catch (error) {
          if (this.stopping.signal.aborted) break;
          if (isRejection(error)) {
            this.rejection = new AgentRejectedError(
              error.code === Code.PermissionDenied
                ? `The control plane removed this agent (${error.rawMessage}). Enroll the host again with "agent join --force" (a new token from "infrapilot agents add").`
                : `The control plane does not accept this agent's certificate (${error.rawMessage}). Enroll the host again with "agent join --force" (a new token from "infrapilot agents add").`,
            );
          }
          if (this.rejection) break;
          this.logger.warn(`Connection to ${this.credentials!.identity.serverUrl} lost: ${describe(error)}`);
        }
        if (this.stopping.signal.aborted) break;
        if (this.rejection) break;
        const delay = planned ? 0 : this.backoff.nextDelayMs();
        if (delay > 0) {
          this.logger.info(`Reconnecting in ${(delay / 1000).toFixed(1)} s`);
          await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        }
      }
    } finally {
      clearTimeout(this.heartbeatTimer);
      this.dispatcher.abortAll();
    }
    if (this.rejection) {
      this.logger.error(this.rejection.message);
      throw this.rejection;
    }
  }

  /** One CommandStream, from Hello to its end. Returns true when we ended it on purpose (renewal). */
  private async runSession(): Promise<boolean> {
    const credentials = this.store.load();
    if (this.options.serverUrl) credentials.identity.serverUrl = this.options.serverUrl;
    this.credentials = credentials;
    const connection = openConnection({
      serverUrl: credentials.identity.serverUrl,
      caPem: credentials.caPem,
      keyPem: credentials.keyPem,
      certificatePem: credentials.certificatePem,
    });
    const session = new AbortController();
    const onStop = () => session.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    this.session = session;
    const outbound = new AsyncQueue<AgentMessage>();
    outbound.push(
      create(AgentMessageSchema, {
        payload: {
          case: 'hello',
          value: create(HelloSchema, {
            agentVersion: AGENT_VERSION,
            protocolVersion: AGENT_PROTOCOL_VERSION,
            capabilities: this.registry.announced(),
            deniedByPolicy: this.registry.deniedByPolicy(),
          }),
        },
      }),
    );
    let welcomed = false;
    try {
      for await (const message of connection.client.commandStream(outbound, { signal: session.signal })) {
        if (message.payload.case === 'welcome') {
          welcomed = true;
          this.connection = connection;
          this.outbound = outbound;
          this.failedHeartbeats = 0;
          this.backoff.reset();
          this.heartbeatIntervalSeconds = message.payload.value.heartbeatIntervalSeconds || this.heartbeatIntervalSeconds;
          for (const answer of this.pendingAnswers.splice(0)) outbound.push(answer);
          this.logger.info(`Connected to ${credentials.identity.serverUrl} as agent ${credentials.identity.agentId}`);
          this.emit('connected', { agentId: credentials.identity.agentId, heartbeatIntervalSeconds: this.heartbeatIntervalSeconds });
          // Beat at once so the host shows as active without waiting an interval.
          this.scheduleHeartbeat(0);
          continue;
        }
        this.dispatcher.dispatch(message);
      }
      return session.signal.aborted && !this.stopping.signal.aborted;
    } catch (error) {
      // We ended the session ourselves (renewal, failed heartbeats): not an error.
      if (session.signal.aborted && !this.stopping.signal.aborted && !this.rejection) return true;
      throw error;
    } finally {
      this.stopping.signal.removeEventListener('abort', onStop);
      this.dispatcher.abortStreams();
      outbound.end();
      if (this.outbound === outbound) this.outbound = undefined;
      if (this.connection === connection) this.connection = undefined;
      connection.close();
      if (welcomed) this.emit('disconnected', { reason: session.signal.aborted ? 'closed by the agent' : 'stream ended' });
    }
  }

  private sendAnswer(answer: AgentMessage): void {
    if (this.outbound?.push(answer)) return;
    // A stream's batches are worth nothing on another connection: its reader is gone.
    if (answer.partial) return;
    this.pendingAnswers.push(answer);
    if (this.pendingAnswers.length > PENDING_ANSWERS_LIMIT) this.pendingAnswers.shift();
  }

  private scheduleHeartbeat(delayMs: number): void {
    clearTimeout(this.heartbeatTimer);
    if (this.stopping.signal.aborted) return;
    this.heartbeatTimer = setTimeout(() => void this.beat(), delayMs);
  }

  /** Collects a sample and sends it; samples that cannot be sent wait in a bounded backlog. */
  private async beat(): Promise<void> {
    const intervalMs = this.heartbeatIntervalSeconds * 1000;
    let sample: SystemMetrics | undefined;
    try {
      sample = toProtoMetrics(await this.metrics.collect());
    } catch (error) {
      this.logger.warn(`Could not read the host's figures: ${describe(error)}`);
    }
    const connection = this.connection;
    if (!connection) {
      if (sample) this.keepForLater(sample);
      this.scheduleHeartbeat(intervalMs);
      return;
    }
    try {
      const docker = await this.options.docker?.state().catch((error: unknown) => {
        this.logger.warn(`Could not read Docker's state: ${describe(error)}`);
        return undefined;
      });
      const proxy = await this.options.proxy?.state().catch((error: unknown) => {
        this.logger.warn(`Could not read the proxy's state: ${describe(error)}`);
        return undefined;
      });
      const response = await connection.client.heartbeat({ metrics: sample, agentVersion: AGENT_VERSION, docker, proxy }, { timeoutMs: HEARTBEAT_TIMEOUT_MS });
      this.failedHeartbeats = 0;
      if (response.heartbeatIntervalSeconds > 0) this.heartbeatIntervalSeconds = response.heartbeatIntervalSeconds;
      this.emit('heartbeat', { acknowledged: response.acknowledged });
      await this.flushBacklog(connection);
      await this.renewIfDue(connection);
    } catch (error) {
      if (sample) this.keepForLater(sample);
      if (isRejection(error)) {
        // The stream is about to be refused too; let the session loop report it.
        this.session?.abort();
      } else if (++this.failedHeartbeats >= FAILED_HEARTBEATS_BEFORE_RECONNECT) {
        this.logger.warn(`${this.failedHeartbeats} heartbeats failed (${describe(error)}); reconnecting`);
        this.failedHeartbeats = 0;
        this.session?.abort();
      }
    }
    this.scheduleHeartbeat(this.heartbeatIntervalSeconds * 1000);
  }

  private keepForLater(sample: SystemMetrics): void {
    this.metricsBacklog.push(sample);
    if (this.metricsBacklog.length > METRICS_BACKLOG_LIMIT) this.metricsBacklog.shift();
  }

  private async flushBacklog(connection: AgentConnection): Promise<void> {
    if (this.metricsBacklog.length === 0) return;
    const samples = this.metricsBacklog.splice(0, this.metricsBacklog.length);
    try {
      await connection.client.pushMetrics({ samples }, { timeoutMs: HEARTBEAT_TIMEOUT_MS });
    } catch (error) {
      this.metricsBacklog.unshift(...samples.slice(-METRICS_BACKLOG_LIMIT));
      this.logger.warn(`Could not send ${samples.length} buffered samples: ${describe(error)}`);
    }
  }

  /** Past two thirds of the certificate's life: a new key, a new certificate, a fresh session. */
  private async renewIfDue(connection: AgentConnection): Promise<void> {
    const credentials = this.credentials;
    if (!credentials || this.renewing) return;
    if (Date.now() < renewalDueAt(lifetimeOf(credentials.certificatePem)).getTime()) return;
    this.renewing = true;
    try {
      const { keyPem, certificateRequest } = await createKeyAndRequest(credentials.identity.agentId);
      const response = await connection.client.renewCertificate({ certificateRequest }, { timeoutMs: 30_000 });
      this.store.saveRenewal(keyPem, response.certificatePem);
      const { notAfter } = lifetimeOf(response.certificatePem);
      this.logger.info(`Renewed the client certificate; it is valid until ${notAfter.toISOString()}`);
      this.emit('renewed', { notAfter });
      // Reconnect so the new certificate is the one presented from now on.
      this.session?.abort();
    } catch (error) {
      this.logger.warn(`Certificate renewal failed, will retry: ${describe(error)}`);
    } finally {
      this.renewing = false;
    }
  }
}
