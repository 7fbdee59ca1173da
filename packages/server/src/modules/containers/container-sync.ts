import type { ContainerEvent, DockerState } from '@infrapilot/protocol/agent';
import type { ContainersTable } from '../../db/schema.js';
import type { TransactionRunner } from '../../db/transactions.js';
import type { DockerStateSink } from '../../gateway/agent-gateway.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import type { AgentPrincipal } from '../agents/agents.service.js';
import { AFTER_EVERY_EVENT, ContainerEventOrder } from './container-event-order.js';
import { differsBeyondFigures, engineRowOf, freshFigures, rowDiffers, rowOf, toContainer } from './containers.mapping.js';
import type { ContainersRepo } from './containers.repo.js';

/** The host a removal happened on. */
export interface RemovalHost {
  orgId: string;
  agentId: string;
}

/**
 * Keeps the containers table in step with the agents: each heartbeat's full state
 * replaces a host's set (so a missed event heals within one interval), and each Docker
 * event updates its one row at once and tells the bus what happened.
 *
 * A snapshot never undoes a newer event that overtook it (see container-event-order.ts),
 * and `container.removed` is published by whichever path deletes the row — a heartbeat
 * that no longer lists the container, its destroy event, or a removal through the API —
 * so it is said exactly once. Per host, these run one at a time: the order check and the
 * write it guards must not interleave with another write about the same host.
 */
export class ContainerSync implements DockerStateSink {
  private readonly order: ContainerEventOrder;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly deps: { repo: ContainersRepo; bus: EventBus; transaction: TransactionRunner; clock: Clock }) {
    this.order = new ContainerEventOrder(() => deps.clock.now().getTime());
  }

  /** A heartbeat's DockerState: the engine's status, and the host's containers exactly as listed. */
  recordState(principal: AgentPrincipal, state: DockerState): Promise<void> {
    return this.oneAtATime(principal.agentId, () => this.applyState(principal, state));
  }

  /** One Docker event, as the agent saw it: the container's row after it, or its removal. */
  recordEvent(principal: AgentPrincipal, event: ContainerEvent): Promise<void> {
    return this.oneAtATime(principal.agentId, () => this.applyEvent(principal, event));
  }

  /**
   * The agent removed a container at the API's request: its row goes now (and the bus
   * hears it, unless the destroy event or a heartbeat already took the row), and neither a
   * snapshot taken before the removal nor a late event about it brings the row back.
   */
  recordRemoval(host: RemovalHost, containerId: string): Promise<void> {
    return this.oneAtATime(host.agentId, async () => {
      const removed = await this.deps.repo.deleteByContainerIds(host.agentId, [containerId]);
      this.order.applied(host.agentId, containerId, AFTER_EVERY_EVENT, true);
      this.announceRemovals(host, removed, isoTimestamp(this.deps.clock.now()));
    });
  }

  private async applyState(principal: AgentPrincipal, state: DockerState): Promise<void> {
    const { repo } = this.deps;
    const agentId = principal.agentId;
    const at = isoTimestamp(this.deps.clock.now());
    // 0: an agent that does not number its events; its snapshots apply as they come.
    const snapshot = state.sequence;
    const overtaken = (containerId: string) => (snapshot > 0n ? this.order.overtaken(agentId, containerId, snapshot) : undefined);
    let removed: string[] = [];
    const changed = await this.deps.transaction(async () => {
      const engineBefore = await repo.getEngine(agentId);
      const engine = engineRowOf(agentId, state, at);
      await repo.upsertEngine(engine);
      const engineChanged =
        !engineBefore ||
        engineBefore.available !== engine.available ||
        engineBefore.problem !== engine.problem ||
        engineBefore.endpoint !== engine.endpoint ||
        engineBefore.version !== engine.version;
      // An engine that does not answer lists nothing; that says nothing about its
      // containers, so their last known rows stay until it answers. They were last
      // confirmed by the heartbeat before this one (see lastSyncedAtOf): write that down
      // once, as the engine's report time moves on without them.
      if (!state.available) {
        if (engineBefore && Number(engineBefore.available) === 1) await repo.markSynced(agentId, engineBefore.reported_at);
        return engineChanged;
      }

      const existing = new Map((await repo.listByAgent(agentId)).map((row) => [row.container_id, row]));
      const listed = new Set<string>();
      // Only rows that differ are written; an unchanged row's lastSyncedAt comes from the engine's report time.
      const writes: ContainersTable[] = [];
      let listChanged = false;
      for (const container of state.containers) {
        if (!container.containerId) continue;
        listed.add(container.containerId);
        const before = existing.get(container.containerId);
        const newer = overtaken(container.containerId);
        if (newer) {
          // A newer event decided this container's state, or removed it: the snapshot may
          // only refresh the figures of a row that is there and still running.
          const refreshed = before && !newer.gone ? freshFigures(before, rowOf(agentId, before.id, container, at)) : undefined;
          if (refreshed) writes.push(refreshed);
          continue;
        }
        const row = rowOf(agentId, before?.id ?? newId(), container, at);
        if (!before || rowDiffers(before, row)) writes.push(row);
        if (!before || differsBeyondFigures(before, row)) listChanged = true;
      }
      // A container the snapshot does not list goes, unless an event newer than the snapshot created it.
      const gone = [...existing.keys()].filter((containerId) => !listed.has(containerId) && !(overtaken(containerId)?.gone === false));
      await repo.upsert(writes);
      if (gone.length > 0) removed = await repo.deleteByContainerIds(agentId, gone);
      return engineChanged || listChanged || removed.length > 0;
    });
    this.announceRemovals(principal, removed, at);
    if (changed) this.deps.bus.publish('containers.synced', { orgId: principal.orgId, agentId, at });
  }

  private async applyEvent(principal: AgentPrincipal, event: ContainerEvent): Promise<void> {
    const { repo, bus } = this.deps;
    const { agentId, orgId } = principal;
    if (!event.containerId) return;
    const sequence = event.sequence;
    // Something as new or newer was applied already: a removal through the API (its
    // destroy event, or a die that trails it, must not bring the row back), or a repeat.
    if (sequence > 0n && (this.order.last(agentId, event.containerId)?.sequence ?? -1n) >= sequence) return;
    const now = this.deps.clock.now();
    const at = event.atUnixMs > 0n ? isoTimestamp(new Date(Number(event.atUnixMs))) : isoTimestamp(now);
    if (event.action === 'destroy' || !event.state) {
      const removed = await repo.deleteByContainerIds(agentId, [event.containerId]);
      if (sequence > 0n) this.order.applied(agentId, event.containerId, sequence, true);
      this.announceRemovals(principal, removed, at);
      return;
    }
    const before = await repo.getByContainerId(agentId, event.containerId);
    await repo.upsert([rowOf(agentId, before?.id ?? newId(), event.state, isoTimestamp(now))]);
    if (sequence > 0n) this.order.applied(agentId, event.containerId, sequence, false);
    // Read back: an action's answer (stored outside this queue) may have inserted the row in between, and its id is the one that stays.
    const after = await repo.getByContainerId(agentId, event.containerId);
    if (!after) return;
    const container = toContainer(after, principal.name);
    bus.publish('container.changed', { orgId, agentId, container, event: event.action });

    const facts = { orgId, agentId, containerId: after.container_id, name: after.name, at };
    if (event.action === 'start') {
      bus.publish('container.started', facts);
      // A start that Docker's restart policy made: the count went up. When the die before it
      // already left the container "restarting", that restart was announced then.
      if (before && after.restart_count > before.restart_count && before.state !== 'restarting') {
        bus.publish('container.restarting', { ...facts, restartCount: after.restart_count });
      }
    } else if (event.action === 'die') {
      bus.publish('container.died', { ...facts, exitCode: event.exitCode });
      if (after.state === 'restarting') bus.publish('container.restarting', { ...facts, restartCount: after.restart_count });
    }
  }

  /** `container.removed` for each row this path deleted: a row goes once, so this is said once. */
  private announceRemovals(host: RemovalHost, containerIds: string[], at: string): void {
    for (const containerId of containerIds) this.deps.bus.publish('container.removed', { orgId: host.orgId, agentId: host.agentId, containerId, at });
  }

  /** Runs writes about one host in the order they arrived, each after the one before has finished (or failed). */
  private oneAtATime(agentId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(agentId) ?? Promise.resolve();
    const run = previous.then(task);
    const settled = run.catch(() => undefined);
    this.queues.set(agentId, settled);
    void settled.then(() => {
      if (this.queues.get(agentId) === settled) this.queues.delete(agentId);
    });
    return run;
  }
}
