import { NotFoundError } from '../../errors.js';
import type { Actor } from '../../platform/http/request-context.js';
import type { ProxyHostRecord } from './proxies.mapping.js';
import type { ProxiesRepo } from './proxies.repo.js';

/** A host (agent) as this module needs it. */
export interface Host {
  id: string;
  name: string;
}

/** A host as the agents module describes it: with the commands its agent announced when it last connected. */
export interface DirectoryHost extends Host {
  capabilities: readonly string[];
}

/** What the agents module tells this one: a host of the caller's org, or NotFoundError. */
export interface HostDirectory {
  getAgent(actor: Actor, id: string): Promise<DirectoryHost>;
}

/** What a change is about, once known: the route names it in the audit row, even when the change then fails. */
export interface ProxyTarget {
  host: Host;
  proxyHostId?: string;
  domain?: string;
}
export type ProxyTargetListener = (target: ProxyTarget) => void;

/** The host a stored proxy host is on. */
export function hostOf(record: ProxyHostRecord): Host {
  return { id: record.host.agent_id, name: record.agentName };
}

/** Resolves the proxy host a request names, on a host of the caller's org. */
export class ProxyTargets {
  constructor(private readonly deps: { hosts: HostDirectory; repo: ProxiesRepo }) {}

  /** The proxy host of a host of the caller's org; another org's (or another host's) is not found. */
  async target(actor: Actor, agentId: string, proxyHostId: string): Promise<{ host: DirectoryHost; record: ProxyHostRecord }> {
    const host = await this.deps.hosts.getAgent(actor, agentId);
    return { host, record: await this.current(actor, host, proxyHostId) };
  }

  /** The proxy host's rows as they are now (read again inside the queue: a change before this one may have replaced them). */
  async current(actor: Actor, host: Host, proxyHostId: string): Promise<ProxyHostRecord> {
    const record = await this.deps.repo.getInOrg(actor.org.id, proxyHostId);
    if (!record || record.host.agent_id !== host.id) throw new NotFoundError('Proxy host', `No proxy host ${proxyHostId} on ${host.name}`);
    return record;
  }
}
