import type { DatabaseHandle, TransactionRunner } from '../../db/transactions.js';
import type { CommandRouter } from '../../gateway/command-router.js';
import type { Clock } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { AuditRecord } from '../audit/audit.service.js';
import { ContainerSessionsService } from './container-sessions.service.js';
import { containerSocketRoutes } from './container-sockets.routes.js';
import { ContainerSync } from './container-sync.js';
import { ContainerTargets, type HostDirectory } from './container-targets.js';
import { ContainersRepo } from './containers.repo.js';
import { containersRoutes } from './containers.routes.js';
import { ContainersService } from './containers.service.js';

export { ContainerSync } from './container-sync.js';
export { ContainersService } from './containers.service.js';
export { ContainerSessionsService } from './container-sessions.service.js';
export { CONTAINER_SOCKET_CLOSE } from './container-sockets.routes.js';
export { serializeRequestForLog } from './request-log.js';

/** The containers module, wired: the sink the agent gateway feeds, the services and the routes. */
export interface ContainersModule {
  /** Give this to startAgentGateway as `docker`. */
  sync: ContainerSync;
  containers: ContainersService;
  sessions: ContainerSessionsService;
  /** REST routes and the two sockets; register under /api/v1. */
  routes: typeof containersRoutes;
  socketRoutes: typeof containerSocketRoutes;
}

export function createContainersModule(deps: {
  database: DatabaseHandle;
  transaction: TransactionRunner;
  hosts: HostDirectory;
  commands: CommandRouter;
  bus: EventBus;
  audit: { record(entry: AuditRecord): Promise<void> };
  clock: Clock;
  onAuditFailure: (error: unknown) => void;
}): ContainersModule {
  const repo = new ContainersRepo(deps.database);
  const targets = new ContainerTargets({ hosts: deps.hosts, repo });
  const sync = new ContainerSync({ repo, bus: deps.bus, transaction: deps.transaction, clock: deps.clock });
  return {
    sync,
    containers: new ContainersService({ repo, targets, commands: deps.commands, removals: sync, clock: deps.clock }),
    sessions: new ContainerSessionsService({ targets, commands: deps.commands, audit: deps.audit, onAuditFailure: deps.onAuditFailure }),
    routes: containersRoutes,
    socketRoutes: containerSocketRoutes,
  };
}
