import type { ContainerEvent, DockerState } from '@infrapilot/protocol/agent';
import type { ContainersTable } from '../../db/schema.js';
import type { TransactionRunner } from '../../db/transactions.js';
import type { DockerStateSink } from '../../gateway/agent-gateway.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import type { AgentPrincipal } from '../agents/agents.service.js';
import { differsBeyondFigures, engineRowOf, rowOf, toContainer } from './containers.mapping.js';
import type { ContainersRepo } from './containers.repo.js';

/**
 * Keeps the containers table in step with the agents: each heartbeat's full state
 * replaces a host's set (so a missed event heals within one interval), and each Docker
 * event updates its one row at once and tells the bus what happened.
 */
export class ContainerSync implements DockerStateSink {
  constructor(private readonly deps: { repo: ContainersRepo; bus: EventBus; transaction: TransactionRunner; clock: Clock }) {}

  /** A heartbeat's DockerState: the engine's status, and the host's containers exactly as listed. */
  async recordState(principal: AgentPrincipal, state: DockerState): Promise<void> {
    const { repo } = this.deps;
    const agentId = principal.agentId;
    const at = isoTimestamp(this.deps.clock.now());
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
      // containers, so their last known rows stay (with their lastSyncedAt) until it answers.
      if (!state.available) return engineChanged;

      const existing = new Map((await repo.listByAgent(agentId)).map((row) => [row.container_id, row]));
      const incoming = new Map<string, ContainersTable>();
      for (const container of state.containers) {
        if (!container.containerId) continue;
        incoming.set(container.containerId, rowOf(agentId, existing.get(container.containerId)?.id ?? newId(), container, at));
      }
      const gone = [...existing.keys()].filter((containerId) => !incoming.has(containerId));
      await repo.upsert([...incoming.values()]);
      if (gone.length > 0) await repo.deleteByContainerIds(agentId, gone);
      return (
        engineChanged ||
        gone.length > 0 ||
        [...incoming.values()].some((row) => {
          const before = existing.get(row.container_id);
          return !before || differsBeyondFigures(before, row);
        })
      );
    });
    if (changed) this.deps.bus.publish('containers.synced', { orgId: principal.orgId, agentId, at });
  }

  /** One Docker event, as the agent saw it: the container's row after it, or its removal. */
  async recordEvent(principal: AgentPrincipal, event: ContainerEvent): Promise<void> {
    const { repo, bus } = this.deps;
    const { agentId, orgId } = principal;
    if (!event.containerId) return;
    const now = this.deps.clock.now();
    const at = event.atUnixMs > 0n ? isoTimestamp(new Date(Number(event.atUnixMs))) : isoTimestamp(now);
    if (event.action === 'destroy' || !event.state) {
      const removed = await repo.deleteByContainerIds(agentId, [event.containerId]);
      if (removed > 0) bus.publish('container.removed', { orgId, agentId, containerId: event.containerId, at });
      return;
    }
    const before = await repo.getByContainerId(agentId, event.containerId);
    await repo.upsert([rowOf(agentId, before?.id ?? newId(), event.state, isoTimestamp(now))]);
    // Read back: a heartbeat may have inserted the row in between, and its id is the one that stays.
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
}
