import { ConflictError, NotFoundError } from '../../errors.js';
import type { Actor } from '../../platform/http/request-context.js';
import type { ContainersRepo } from './containers.repo.js';

/** A host as the containers module needs it. */
export interface Host {
  id: string;
  name: string;
}

/** What the agents module tells the containers module: a host of the caller's org, or NotFoundError. */
export interface HostDirectory {
  getAgent(actor: Actor, id: string): Promise<Host>;
}

/** A container named in a path, on a host of the caller's org. */
export interface ContainerTarget {
  host: Host;
  /** What the caller wrote (full id, id prefix or name); the agent resolves it. */
  reference: string;
  /** Our row for it, when the reference resolves to one: names it in messages and the audit log. */
  name: string | undefined;
  containerId: string | undefined;
}

/**
 * Resolves hosts and container references. Another org's host is "not found", like a
 * host that does not exist. A reference is resolved against our rows only to name things
 * well; the agent is the judge of what it means, so a stale row never redirects an action.
 */
export class ContainerTargets {
  constructor(private readonly deps: { hosts: HostDirectory; repo: ContainersRepo }) {}

  host(actor: Actor, agentId: string): Promise<Host> {
    return this.deps.hosts.getAgent(actor, agentId);
  }

  async container(actor: Actor, agentId: string, reference: string): Promise<ContainerTarget> {
    const host = await this.host(actor, agentId);
    const row = await this.deps.repo.findByReference(host.id, reference);
    return { host, reference, name: row?.name, containerId: row?.container_id };
  }
}

/** How a target is named in a message: `web (3f2a9c1b2d4e)` when we know it, else what the caller wrote. */
export function labelOf(target: ContainerTarget): string {
  if (!target.name) return `"${target.reference}"`;
  return target.containerId ? `${target.name} (${target.containerId.slice(0, 12)})` : target.name;
}

/**
 * The agent's "not found" and "conflict" answers, reworded to name the container and the
 * host; every other error (policy, Docker down, offline) already says who refused and why.
 */
export function aboutContainer(error: unknown, target: ContainerTarget): unknown {
  if (error instanceof NotFoundError) {
    const stale = target.name ? ' (it was listed before; it may have been removed since)' : '';
    return new NotFoundError('Container', `No container ${labelOf(target)} on ${target.host.name}${stale}`);
  }
  if (error instanceof ConflictError) return new ConflictError(`${labelOf(target)} on ${target.host.name}: ${error.message}`);
  return error;
}
