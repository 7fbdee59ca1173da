import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { ProxyHostRecord } from './proxies.mapping.js';

/** The bus events that follow a change to a proxy host's rows. */
export class ProxyChangeEvents {
  constructor(private readonly deps: { bus: EventBus; clock: Clock }) {}

  /** After new rows are stored: the file is what we wrote, so a drift it had is over. */
  stored(before: ProxyHostRecord, at: string): void {
    const { host } = before;
    if (host.status === 'drift') this.deps.bus.publish('proxy.drift_resolved', { orgId: before.orgId, agentId: host.agent_id, proxyHostId: host.id, domain: host.domain, at });
    this.changed(before.orgId, host.agent_id, host.id);
  }

  changed(orgId: string, agentId: string, proxyHostId: string): void {
    this.deps.bus.publish('proxy.changed', { orgId, agentId, proxyHostId, at: isoTimestamp(this.deps.clock.now()) });
  }
}
