import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { ContainerEventSchema, DockerStateSchema, type ContainerEvent, type ContainerState, type DockerState } from '@infrapilot/protocol/agent';
import type Dockerode from 'dockerode';
import type { AgentLogger } from '../../logger.js';
import type { DockerStateSource } from '../../connection/agent-runtime.js';
import { CommandFailure } from '../registry.js';
import { mapWithConcurrency } from './concurrency.js';
import { detailsFromInspect, readContainer, toContainerState, type ContainerDetails, type ContainerReading, type ContainerUsage } from './container-state.js';
import type { DockerEngine } from './docker-engine.js';
import { cpuPercentBetween, cpuReadingOf, memoryOf, type CpuReading, type DockerStatsJson } from './stats-figures.js';

/** The container events passed on to the control plane; others only refresh the snapshot. */
const FORWARDED_ACTIONS = new Set(['create', 'start', 'die', 'stop', 'restart', 'kill', 'pause', 'unpause', 'destroy', 'health_status']);
const REFRESHING_ACTIONS = new Set(['rename', 'update', 'oom']);

export interface DockerMonitorOptions {
  engine: DockerEngine;
  logger: AgentLogger;
  /** Delays between attempts to reach Docker while it is away (doubling, capped). */
  retry?: { initialDelayMs: number; maxDelayMs: number };
  /** Stats calls in flight at once. */
  statsConcurrency?: number;
  statsTimeoutMs?: number;
  /** A background refresh starts at most this often, however often state() is asked. */
  minRefreshIntervalMs?: number;
}

interface Tracked {
  entry: Dockerode.ContainerInfo;
  details: ContainerDetails;
  usage?: ContainerUsage;
}

/** The part of a Docker event this reads. */
interface DockerEventJson {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
  time?: number;
  timeNano?: number;
}

// If a connection to Docker lasted less than this, the next one waits its back-off even
// though it ended "normally": an event stream that ends at once must not spin.
const HEALTHY_SESSION_MS = 5_000;
// state() waits this long for the very first look at Docker, so the first heartbeat does
// not report "unavailable" only because the agent has just started.
const FIRST_LOOK_WAIT_MS = 3_000;

/**
 * Keeps the host's Docker picture current: whether the Engine answers, and every
 * container with its state, restart count, health, CPU and memory. It follows Docker's
 * event stream (each event refreshes that container and is passed on), re-lists and
 * samples stats in the background at most once per heartbeat, and when Docker goes away
 * retries with capped back-off, reloading everything once it is back.
 */
export class DockerMonitor implements DockerStateSource {
  private readonly engine: DockerEngine;
  private readonly logger: AgentLogger;
  private readonly retry: { initialDelayMs: number; maxDelayMs: number };
  private readonly statsConcurrency: number;
  private readonly statsTimeoutMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly containers = new Map<string, Tracked>();
  private readonly cpuReadings = new Map<string, CpuReading>();
  private readonly listeners = new Set<(event: ContainerEvent) => void>();
  private readonly stopping = new AbortController();
  private available = false;
  private problem: string;
  private engineVersion = '';
  private loop: Promise<void> | undefined;
  private eventStream: IncomingMessage | undefined;
  /** Every change to the container map runs in this chain, so a list and an event never interleave. */
  private chain: Promise<unknown> = Promise.resolve();
  private refreshing: Promise<void> | undefined;
  private lastRefreshAt = 0;
  private firstLook: Promise<void>;
  private firstLookDone!: () => void;
  /**
   * The sequence of the last event passed on. It starts at the monitor's start, as if
   * that were an event: a restarted agent's first snapshot must not look older than the
   * events its previous run sent.
   */
  private lastSequence = Date.now() * 1_000;

  constructor(options: DockerMonitorOptions) {
    this.engine = options.engine;
    this.logger = options.logger;
    this.retry = options.retry ?? { initialDelayMs: 500, maxDelayMs: 5_000 };
    this.statsConcurrency = options.statsConcurrency ?? 4;
    this.statsTimeoutMs = options.statsTimeoutMs ?? 5_000;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 1_000;
    this.problem = `checking the Docker Engine at ${this.engine.endpoint}`;
    this.firstLook = new Promise((resolve) => (this.firstLookDone = resolve));
  }

  /** Starts watching; close() stops. */
  start(): void {
    if (this.loop) return;
    if (this.engine.configurationProblem) {
      this.problem = this.engine.configurationProblem;
      this.logger.error(`Docker support is off: ${this.problem}`);
      this.firstLookDone();
      this.loop = Promise.resolve();
      return;
    }
    this.loop = this.watch();
  }

  /** Never watches: the host owner switched Docker off. state() says so at once. */
  disable(problem: string): void {
    this.problem = problem;
    this.loop ??= Promise.resolve();
    this.firstLookDone();
  }

  /** The latest snapshot, at once; a refresh of figures starts in the background when due. */
  async state(): Promise<DockerState> {
    await this.afterFirstLook();
    if (this.available) this.refreshInBackground();
    return this.snapshot();
  }

  /** A snapshot refreshed now (container.list); docker_unavailable when Docker is away. */
  async freshState(): Promise<DockerState> {
    await this.firstLook;
    if (!this.available) throw new CommandFailure('docker_unavailable', this.problem);
    await this.serially(() => this.reconcile());
    return this.snapshot();
  }

  /** Why Docker is unavailable, or undefined while it answers. */
  get unavailableBecause(): string | undefined {
    return this.available ? undefined : this.problem;
  }

  /** CPU and memory of a container as of the last sample (for answers to actions). */
  usageOf(containerId: string): ContainerUsage | undefined {
    return this.containers.get(containerId)?.usage;
  }

  onEvent(listener: (event: ContainerEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Stops the event stream, the retries and any refresh; leaves no timer behind. */
  async close(): Promise<void> {
    this.stopping.abort();
    this.eventStream?.destroy();
    this.firstLookDone();
    await this.loop;
    await this.chain.catch(() => undefined);
    await this.refreshing;
    this.listeners.clear();
  }

  private snapshot(): DockerState {
    const containers: ContainerState[] = this.available
      ? [...this.containers.values()].map((tracked) => toContainerState(tracked.entry, tracked.details, tracked.usage)).sort((a, b) => a.name.localeCompare(b.name))
      : [];
    return create(DockerStateSchema, {
      available: this.available,
      problem: this.available ? '' : this.problem,
      endpoint: this.engine.endpoint,
      engineVersion: this.engineVersion,
      containers,
      // Taken synchronously with the containers: it reflects every event up to this one.
      sequence: BigInt(this.lastSequence),
    });
  }

  private async afterFirstLook(): Promise<void> {
    const timer = new AbortController();
    await Promise.race([this.firstLook, sleep(FIRST_LOOK_WAIT_MS, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Connect, load, follow events; on any loss, mark Docker unavailable and try again. */
  private async watch(): Promise<void> {
    const signal = this.stopping.signal;
    let attempt = 0;
    while (!signal.aborted) {
      const startedAt = Date.now();
      try {
        const version = await this.engine.call((callSignal) => this.engine.version(callSignal), { signal });
        // Subscribe before listing, so nothing that happens during the load is missed.
        const events = await this.engine.openStream('/events', { filters: JSON.stringify({ type: ['container'] }) }, { signal });
        this.eventStream = events;
        const ended = this.follow(events);
        await this.serially(() => this.reconcile());
        this.engineVersion = version.Version ?? '';
        if (!this.available) this.logger.info(`Docker Engine ${this.engineVersion} at ${this.engine.endpoint} is available`);
        this.available = true;
        this.firstLookDone();
        attempt = 0;
        this.refreshInBackground(true);
        await ended;
        if (signal.aborted) break;
        this.logger.warn(`The Docker Engine's event stream at ${this.engine.endpoint} ended; reconnecting`);
        if (Date.now() - startedAt >= HEALTHY_SESSION_MS) continue;
      } catch (error) {
        if (signal.aborted) break;
        this.markUnavailable(error);
      } finally {
        this.eventStream?.destroy();
        this.eventStream = undefined;
      }
      const delay = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** Math.min(attempt++, 20));
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  private markUnavailable(error: unknown): void {
    const problem = error instanceof CommandFailure ? error.message : this.engine.failure(error).message;
    if (this.available || this.problem !== problem) this.logger.warn(`Docker is not available: ${problem}; retrying`);
    this.available = false;
    this.problem = problem;
    // Stale figures would mislead; the full reload after reconnecting brings them back.
    this.containers.clear();
    this.cpuReadings.clear();
    this.firstLookDone();
  }

  /** Reads the event stream until it ends; each event is handled in order, in the chain. */
  private follow(events: IncomingMessage): Promise<void> {
    return new Promise<void>((resolve) => {
      let buffered = '';
      events.setEncoding('utf8');
      events.on('data', (chunk: string) => {
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (!line) continue;
          let event: DockerEventJson;
          try {
            event = JSON.parse(line) as DockerEventJson;
          } catch {
            continue;
          }
          void this.serially(() => this.handleEvent(event)).catch(() => undefined);
        }
      });
      events.once('close', () => resolve());
      // A reset socket errors before it closes; either way the stream is over.
      events.on('error', () => resolve());
    });
  }

  private async handleEvent(event: DockerEventJson): Promise<void> {
    if (event.Type !== undefined && event.Type !== 'container') return;
    // health_status arrives as "health_status: healthy".
    const action = (event.Action ?? '').split(':')[0]!.trim();
    const containerId = event.Actor?.ID ?? event.id;
    if (!containerId || (!FORWARDED_ACTIONS.has(action) && !REFRESHING_ACTIONS.has(action))) return;
    let state: ContainerState | undefined;
    if (action === 'destroy') {
      this.forget(containerId);
    } else {
      const reading = await readContainer(this.engine, containerId, { signal: this.stopping.signal });
      if (reading) state = this.remember(reading);
      else this.forget(containerId);
    }
    if (!FORWARDED_ACTIONS.has(action)) return;
    // Assigned in the same synchronous step as the map changed above, so a snapshot taken
    // before this point carries a smaller sequence and one taken after a larger or equal one.
    const sequence = this.nextSequence();
    const exitCode = action === 'die' ? Number(event.Actor?.Attributes?.exitCode ?? 0) : 0;
    const atUnixMs = event.timeNano ? Math.floor(event.timeNano / 1e6) : (event.time ?? Date.now() / 1000) * 1000;
    const message = create(ContainerEventSchema, {
      action,
      containerId,
      ...(state ? { state } : {}),
      exitCode: Number.isFinite(exitCode) ? exitCode : 0,
      atUnixMs: BigInt(Math.round(atUnixMs)),
      sequence: BigInt(sequence),
    });
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.logger.warn(`A container event listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * Strictly increasing, and in microseconds of wall-clock time, so that it also increases
   * across agent restarts (unless the clock jumps back by more than the agent was down).
   * Microseconds since 1970 stay below 2^53 until the year 2255.
   */
  private nextSequence(): number {
    this.lastSequence = Math.max(this.lastSequence + 1, Date.now() * 1_000);
    return this.lastSequence;
  }

  private remember(reading: ContainerReading): ContainerState {
    const previous = this.containers.get(reading.entry.Id);
    const usage = reading.details.state === 'running' ? previous?.usage : undefined;
    this.containers.set(reading.entry.Id, { entry: reading.entry, details: reading.details, ...(usage ? { usage } : {}) });
    return toContainerState(reading.entry, reading.details, usage);
  }

  private forget(containerId: string): void {
    this.containers.delete(containerId);
    this.cpuReadings.delete(containerId);
  }

  /**
   * Re-lists every container: new ones and those whose state changed are inspected again
   * (restart count, health, exit code live only there); gone ones are dropped.
   */
  private async reconcile(): Promise<void> {
    const signal = this.stopping.signal;
    const entries = await this.engine.call((callSignal) => this.engine.client.listContainers({ all: true, abortSignal: callSignal }), { signal });
    const stale = entries.filter((entry) => this.containers.get(entry.Id)?.details.state !== entry.State);
    const inspected = await mapWithConcurrency(stale, 8, async (entry) => {
      try {
        const info = await this.engine.call((callSignal) => this.engine.client.getContainer(entry.Id).inspect({ abortSignal: callSignal }), { signal, container: entry.Id });
        return detailsFromInspect(info);
      } catch (error) {
        if (error instanceof CommandFailure && error.code === 'not_found') return undefined;
        throw error;
      }
    });
    const fresh = new Map(stale.map((entry, index) => [entry.Id, inspected[index]]));
    const seen = new Set<string>();
    for (const entry of entries) {
      const previous = this.containers.get(entry.Id);
      const details = fresh.has(entry.Id) ? fresh.get(entry.Id) : previous?.details;
      if (!details) continue; // Removed between the list and the inspect.
      seen.add(entry.Id);
      const usage = details.state === 'running' ? previous?.usage : undefined;
      this.containers.set(entry.Id, { entry, details, ...(usage ? { usage } : {}) });
    }
    for (const id of [...this.containers.keys()]) if (!seen.has(id)) this.forget(id);
  }

  /** Starts a re-list plus a stats sample unless one is running or one started very recently. */
  private refreshInBackground(force = false): void {
    if (this.refreshing || this.stopping.signal.aborted) return;
    if (!force && Date.now() - this.lastRefreshAt < this.minRefreshIntervalMs) return;
    this.lastRefreshAt = Date.now();
    this.refreshing = (async () => {
      try {
        await this.serially(() => this.reconcile());
        await this.sampleStats();
      } catch {
        // Docker went away mid-refresh: the event stream ends too, and watch() reports it.
      } finally {
        this.refreshing = undefined;
      }
    })();
  }

  /** One-shot stats of every running container; CPU % against the previous sample we kept. */
  private async sampleStats(): Promise<void> {
    const running = [...this.containers.entries()].filter(([, tracked]) => tracked.details.state === 'running').map(([id]) => id);
    await mapWithConcurrency(running, this.statsConcurrency, async (id) => {
      if (this.stopping.signal.aborted) return;
      let stats: DockerStatsJson;
      try {
        stats = (await this.engine.call(
          (callSignal) =>
            this.engine.client.getContainer(id).stats({ stream: false, 'one-shot': true, abortSignal: callSignal } as { stream: false; 'one-shot': boolean }),
          { signal: this.stopping.signal, timeoutMs: this.statsTimeoutMs },
        )) as DockerStatsJson;
      } catch {
        return; // One slow or vanished container must not hold up the others; next time.
      }
      const reading = cpuReadingOf(stats);
      const cpuPercent = cpuPercentBetween(this.cpuReadings.get(id), reading);
      if (reading) this.cpuReadings.set(id, reading);
      const tracked = this.containers.get(id);
      if (tracked && tracked.details.state === 'running') tracked.usage = { cpuPercent, ...memoryOf(stats) };
    });
  }
}
