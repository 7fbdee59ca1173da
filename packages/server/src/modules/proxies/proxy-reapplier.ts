import { ProxyApplyMode } from '@infrapilot/protocol/agent';
import type { TransactionRunner } from '../../db/transactions.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { CertificateChoice } from './certificate-choice.js';
import type { KeyedQueue } from './keyed-queue.js';
import { appliedFacts, certificateStateOf, inputOf, type ProxyHostRecord, rowsOf } from './proxies.mapping.js';
import type { ProxiesRepo } from './proxies.repo.js';
import type { ProxyChangeEvents } from './proxy-change-events.js';
import type { ProxyCommands } from './proxy-commands.js';
import type { ProxyPreconditions } from './proxy-preconditions.js';
import { specOf } from './proxy-spec.js';
import type { ProxyStateSync } from './proxy-state-sync.js';
import { hostOf } from './proxy-targets.js';

/**
 * Applies stored proxy hosts again as their rows say: when the bus says a deployed file
 * is stale, when a reconciliation finds one a missed event left behind, and after a
 * change whose answer never came or that could not be stored. Nobody waits for these
 * but the bus, so they never throw; a failure marks the host `error` for the next
 * reconciliation.
 */
export class ProxyReapplier {
  constructor(
    private readonly deps: {
      repo: ProxiesRepo;
      commands: ProxyCommands;
      choice: CertificateChoice;
      sync: ProxyStateSync;
      bus: EventBus;
      transaction: TransactionRunner;
      clock: Clock;
      logger: { warn(object: object, message: string): void };
      queue: KeyedQueue;
      preconditions: ProxyPreconditions;
      events: ProxyChangeEvents;
    },
  ) {}

  /**
   * Listens for what makes a deployed file stale: a certificate issued (or renewed) for
   * the hosts using it, a container started again (its IP may have changed) for the
   * hosts forwarding to it, and a host coming back (active again) for its hosts that
   * reconcile() would apply. Returns the function that stops listening.
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
      bus.subscribe('agent.status_changed', async ({ agentId, to }) => {
        if (to === 'active') await this.reconcile(agentId);
      }),
    ];
    return () => {
      for (const stop of stops) stop();
    };
  }

  /**
   * Applies again what a missed event left behind, on connected hosts (one, or all): proxy
   * hosts whose last apply failed (`error`), and those whose file does not serve the
   * certificate it should (issued or renewed while their host was away). Returns how many
   * were applied; never throws.
   */
  async reconcile(agentId?: string): Promise<number> {
    let applied = 0;
    try {
      for (const row of await this.deps.repo.listReconcilable(agentId)) {
        if (!this.deps.commands.isConnected(row.agent_id)) continue;
        if (row.status !== 'error') {
          const state = { domain: row.domain, certificateId: row.certificate_id, deployedCertificateId: row.deployed_certificate_id };
          const wanted = await this.deps.choice.deployable(row.org_id, state);
          if (!wanted || (wanted.id === row.deployed_certificate_id && wanted.expiresAt === row.ssl_expires_at)) continue;
        }
        await this.reapply(row.id, row.org_id);
        applied += 1;
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, agentId }, 'proxy reconciliation failed');
    }
    return applied;
  }

  /**
   * Renders and applies a stored proxy host again as its rows say (with the certificate
   * it should deploy now), in turn with its changes. A refusal marks the host `error`
   * with why; this never throws, since nobody waits for it but the bus.
   */
  async reapply(proxyHostId: string, orgId: string): Promise<void> {
    await this.deps.queue.run(proxyHostId, () => this.applyStored(proxyHostId, orgId));
  }

  /**
   * reapply() without the queue (for a caller already in it): applies the rows and stores
   * what the agent answered. On failure the host is marked `error`, with `after` (what made
   * the apply necessary) in lastError when given, so a reconciliation tries again.
   */
  async applyStored(proxyHostId: string, orgId: string, after?: string): Promise<void> {
    const record = await this.deps.repo.getById(proxyHostId);
    if (!record || record.orgId !== orgId) return;
    const host = hostOf(record);
    try {
      const input = inputOf(record);
      const certificate = await this.deps.choice.deployable(orgId, certificateStateOf(record));
      await this.deps.preconditions.requireProxy(host);
      const at = await this.deps.sync.whileApplying(proxyHostId, async () => {
        const result = await this.deps.commands.apply(host, specOf(proxyHostId, input, certificate?.material), ProxyApplyMode.APPLY);
        const updatedAt = isoTimestamp(this.deps.clock.now());
        const rows = rowsOf({ id: proxyHostId, agentId: host.id, createdAt: record.host.created_at, updatedAt }, input, appliedFacts(result, certificate));
        await this.deps.transaction(() => this.deps.repo.replace(rows));
        return updatedAt;
      });
      this.deps.events.stored(record, at);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ err: message, proxyHostId, after }, 'could not apply a proxy host again');
      await this.markError(record, after ? `The file on ${host.name} may not match these settings after ${after}, and applying them again failed: ${message}` : message);
    }
  }

  /** Records why a stored proxy host's file may not be what its rows say (reconcile() applies it again); logged, never thrown. */
  private async markError(record: ProxyHostRecord, message: string): Promise<void> {
    const proxyHostId = record.host.id;
    await this.deps.repo
      .markError(proxyHostId, message, isoTimestamp(this.deps.clock.now()))
      .then(() => this.deps.events.changed(record.orgId, record.host.agent_id, proxyHostId))
      .catch((markFailure: unknown) => this.deps.logger.warn({ err: markFailure, proxyHostId }, 'could not record why a proxy host was not applied'));
  }
}
