// A heartbeat's DockerState is a snapshot the agent took at some moment; a Docker event
// about one container can overtake it on the way (events go out at once, on another
// connection). Each carries a sequence (strictly increasing per agent, across restarts;
// a snapshot's is that of the last event it reflects), so the control plane remembers,
// per container, the sequence of the last event it applied, and a snapshot older than
// that says nothing about the container. Memory only: after a couple of minutes every
// snapshot is newer than any event it could have raced with, so old entries are dropped.

/** What the control plane last applied about one container. */
export interface AppliedEvent {
  sequence: bigint;
  /** The event removed the container (destroy, or a removal through the API): a tombstone. */
  gone: boolean;
}

/** Stands for "later than any event": a removal through the API, whose destroy event may not have arrived yet. */
export const AFTER_EVERY_EVENT = 2n ** 64n - 1n;

/** Entries older than this are forgotten; no snapshot is in flight that long. */
export const EVENT_ORDER_RETENTION_MS = 2 * 60_000;

interface Entry extends AppliedEvent {
  appliedAtMs: number;
}

/** The sequence of the last applied event, per agent and container, for a couple of minutes. */
export class ContainerEventOrder {
  private readonly byAgent = new Map<string, Map<string, Entry>>();
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly nowMs: () => number,
    private readonly retentionMs = EVENT_ORDER_RETENTION_MS,
  ) {}

  /** Remembers an applied event; a later call for the same container replaces it (never with a lower sequence). */
  applied(agentId: string, containerId: string, sequence: bigint, gone: boolean): void {
    const now = this.nowMs();
    this.prune(now);
    let containers = this.byAgent.get(agentId);
    if (!containers) {
      containers = new Map();
      this.byAgent.set(agentId, containers);
    }
    const before = containers.get(containerId);
    if (before && before.sequence > sequence) return;
    containers.set(containerId, { sequence, gone, appliedAtMs: now });
  }

  /** The last event applied about this container, if it is recent. */
  last(agentId: string, containerId: string): AppliedEvent | undefined {
    const entry = this.byAgent.get(agentId)?.get(containerId);
    if (!entry || this.nowMs() - entry.appliedAtMs > this.retentionMs) return undefined;
    return entry;
  }

  /** Whether an event (or snapshot) with this sequence is older than what was applied about the container. */
  overtaken(agentId: string, containerId: string, sequence: bigint): AppliedEvent | undefined {
    const last = this.last(agentId, containerId);
    return last && last.sequence > sequence ? last : undefined;
  }

  /** How many entries are kept (for tests). */
  get size(): number {
    let size = 0;
    for (const containers of this.byAgent.values()) size += containers.size;
    return size;
  }

  /** Drops expired entries, at most once per retention period's tenth: cheap enough to call on every write. */
  private prune(now: number): void {
    if (now - this.lastPruneMs < this.retentionMs / 10) return;
    this.lastPruneMs = now;
    for (const [agentId, containers] of this.byAgent) {
      for (const [containerId, entry] of containers) {
        if (now - entry.appliedAtMs > this.retentionMs) containers.delete(containerId);
      }
      if (containers.size === 0) this.byAgent.delete(agentId);
    }
  }
}
