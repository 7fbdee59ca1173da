import type { ProxyState } from '@infrapilot/protocol/agent';
import type { ProxyStateSink } from '../../gateway/agent-gateway.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { AgentPrincipal } from '../agents/agents.service.js';
import { KeyedQueue } from './keyed-queue.js';
import { serverRowOf } from './proxies.mapping.js';
import type { ProxiesRepo } from './proxies.repo.js';
import type { CommandTarget } from './proxy-commands.js';

/** A managed file as the host last reported it. */
export interface LiveFile {
  path: string;
  sha256: string;
}

type DriftReason = 'modified' | 'missing';

/** What the sync sends an agent: the removal of a managed file nothing describes. */
export interface OrphanRemover {
  remove(host: CommandTarget, proxyHostId: string): Promise<void>;
}

// drift_path is varchar(500); a longer configured directory must not fail the heartbeat.
const DRIFT_PATH_LENGTH = 500;
// An orphan whose removal was sent is left alone this long (the removal may still be running, or be refused again).
const ORPHAN_RETRY_MS = 60_000;
// What the agent's proxy.remove accepts; a managed name with anything else is not ours to touch.
const PROXY_HOST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
 *
 * A managed file whose proxy host has no row at all (an apply the agent finished after
 * the server gave up on it, or a proxy host deleted with `force` while its host was away)
 * is an orphan: once two heartbeats in a row show it, and it is not being applied, the
 * agent is asked to remove it (best effort, at most once a minute per file).
 */
export class ProxyStateSync implements ProxyStateSink {
  private readonly live = new Map<string, Map<string, LiveFile>>();
  private readonly suspects = new Map<string, { reason: DriftReason; hash: string }>();
  private readonly applying = new Map<string, number>();
  private readonly queue = new KeyedQueue();
  /** Per agent: the orphans its last heartbeat showed. */
  private readonly orphanSuspects = new Map<string, Set<string>>();
  /** "agentId/proxyHostId" → when its removal was sent (clock ms). */
  private readonly orphanRemovals = new Map<string, number>();

  constructor(
    private readonly deps: {
      repo: ProxiesRepo;
      bus: EventBus;
      clock: Clock;
      commands: OrphanRemover;
      logger: { warn(object: object, message: string): void };
    },
  ) {}

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

  /**
   * Runs a write of the host's file (and the storing of its rows); heartbeats that arrive
   * meanwhile say nothing about drift, and its file is no orphan.
   */
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

    const hosts = await repo.listByAgent(agentId);
    await this.removeOrphans(principal, files, new Set(hosts.map((host) => host.id)));

    for (const host of hosts) {
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
      const path = (file?.path ?? host.config_path ?? '').slice(0, DRIFT_PATH_LENGTH);
      if (await repo.markDrift(host.id, host.config_hash, { reason, path, at })) {
        bus.publish('proxy.drift_detected', { orgId, agentId, proxyHostId: host.id, domain: host.domain, reason, path, at });
      }
    }
  }

  /**
   * Files of this heartbeat that no proxy host describes: removed once the heartbeat
   * before showed them too. Sent in the background: a heartbeat never waits for nginx.
   */
  private async removeOrphans(principal: AgentPrincipal, files: Map<string, LiveFile>, known: Set<string>): Promise<void> {
    const { agentId } = principal;
    const candidates = [...files.keys()].filter((id) => !known.has(id) && !this.applying.has(id) && PROXY_HOST_ID.test(id));
    const stored = candidates.length > 0 ? new Set(await this.deps.repo.existingIds(candidates)) : new Set<string>();
    // Checked again after the read: an apply may have started meanwhile.
    const orphans = new Set(candidates.filter((id) => !stored.has(id) && !this.applying.has(id)));
    const before = this.orphanSuspects.get(agentId);
    if (orphans.size > 0) this.orphanSuspects.set(agentId, orphans);
    else this.orphanSuspects.delete(agentId);
    if (!before) return;

    const now = this.deps.clock.now().getTime();
    for (const [key, sentAt] of this.orphanRemovals) if (now - sentAt >= ORPHAN_RETRY_MS) this.orphanRemovals.delete(key);
    for (const id of orphans) {
      const key = `${agentId}/${id}`;
      if (!before.has(id) || this.orphanRemovals.has(key)) continue;
      this.orphanRemovals.set(key, now);
      const path = files.get(id)?.path;
      void this.deps.commands
        .remove({ id: agentId, name: principal.name }, id)
        .catch((error: unknown) => this.deps.logger.warn({ err: error, agentId, proxyHostId: id, path }, 'could not remove a managed proxy file that no proxy host describes'));
    }
  }
}
