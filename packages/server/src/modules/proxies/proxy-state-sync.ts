import type { ProxyState } from '@infrapilot/protocol/agent';
import type { ProxyStateSink } from '../../gateway/agent-gateway.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { AgentPrincipal } from '../agents/agents.service.js';
import { KeyedQueue } from './keyed-queue.js';
import { serverRowOf } from './proxies.mapping.js';
import type { ProxiesRepo } from './proxies.repo.js';

/** A managed file as the host last reported it. */
export interface LiveFile {
  path: string;
  sha256: string;
}

type DriftReason = 'modified' | 'missing';

/**
 * Reads each heartbeat's ProxyState: keeps proxy_servers current, remembers the hashes of
 * the managed files, and marks a proxy host drifted when its file on the host no longer
 * is what InfraPilot wrote (edited by hand: `modified`; deleted: `missing`) — and clear
 * again when it matches. The bus hears each transition once.
 *
 * A heartbeat's files are read by the agent before it sends them, so one that left the
 * host just before a save wrote the file can arrive after the new hash is stored. A
 * mismatch therefore counts only when two heartbeats in a row show it, and none that
 * arrives while the host is being applied counts at all: the agent sends its heartbeats
 * one after the other, so the second was read after the first arrived.
 */
export class ProxyStateSync implements ProxyStateSink {
  private readonly live = new Map<string, Map<string, LiveFile>>();
  private readonly suspects = new Map<string, { reason: DriftReason; hash: string }>();
  private readonly applying = new Map<string, number>();
  private readonly queue = new KeyedQueue();

  constructor(private readonly deps: { repo: ProxiesRepo; bus: EventBus; clock: Clock }) {}

  /** A heartbeat's ProxyState. */
  recordState(principal: AgentPrincipal, state: ProxyState): Promise<void> {
    return this.queue.run(principal.agentId, () => this.applyState(principal, state));
  }

  /**
   * The managed file of a proxy host as the last heartbeat reported it: null when it was
   * not there, undefined when this server has had no heartbeat with files from that host.
   */
  liveFile(agentId: string, proxyHostId: string): LiveFile | null | undefined {
    const files = this.live.get(agentId);
    if (!files) return undefined;
    return files.get(proxyHostId) ?? null;
  }

  /** Runs a write of the host's file; heartbeats that arrive meanwhile say nothing about drift. */
  async whileApplying<T>(proxyHostId: string, work: () => Promise<T>): Promise<T> {
    this.applying.set(proxyHostId, (this.applying.get(proxyHostId) ?? 0) + 1);
    this.suspects.delete(proxyHostId);
    try {
      return await work();
    } finally {
      const left = (this.applying.get(proxyHostId) ?? 1) - 1;
      if (left > 0) this.applying.set(proxyHostId, left);
      else this.applying.delete(proxyHostId);
      this.suspects.delete(proxyHostId);
    }
  }

  /** Forgets a removed proxy host. */
  forget(agentId: string, proxyHostId: string): void {
    this.suspects.delete(proxyHostId);
    this.live.get(agentId)?.delete(proxyHostId);
  }

  private async applyState(principal: AgentPrincipal, state: ProxyState): Promise<void> {
    const { repo, bus } = this.deps;
    const { agentId, orgId } = principal;
    const at = isoTimestamp(this.deps.clock.now());
    await repo.upsertServer(serverRowOf(agentId, state, at));
    // Without nginx the files mean nothing to anyone: nothing drifts, nothing resolves.
    if (!state.available) return;
    const files = new Map(state.files.map((file) => [file.proxyHostId, { path: file.path, sha256: file.sha256.toLowerCase() }]));
    this.live.set(agentId, files);

    for (const host of await repo.listByAgent(agentId)) {
      // Never applied (a row from before the agent answered): nothing to compare with.
      if (host.config_hash === null) continue;
      if (this.applying.has(host.id)) {
        this.suspects.delete(host.id);
        continue;
      }
      const file = files.get(host.id);
      const reason: DriftReason | null = !file ? 'missing' : file.sha256 !== host.config_hash ? 'modified' : null;
      if (reason === null) {
        this.suspects.delete(host.id);
        if (host.status === 'drift' && (await repo.clearDrift(host.id))) {
          bus.publish('proxy.drift_resolved', { orgId, agentId, proxyHostId: host.id, domain: host.domain, at });
        }
        continue;
      }
      if (host.status === 'drift' && host.drift_reason === reason) continue;
      const suspect = this.suspects.get(host.id);
      if (!suspect || suspect.reason !== reason || suspect.hash !== host.config_hash) {
        this.suspects.set(host.id, { reason, hash: host.config_hash });
        continue;
      }
      this.suspects.delete(host.id);
      const path = file?.path ?? host.config_path ?? '';
      if (await repo.markDrift(host.id, host.config_hash, { reason, path, at })) {
        bus.publish('proxy.drift_detected', { orgId, agentId, proxyHostId: host.id, domain: host.domain, reason, path, at });
      }
    }
  }
}
