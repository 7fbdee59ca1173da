import type { DatabaseHandle, TransactionRunner } from '../../db/transactions.js';
import type { CommandRouter } from '../../gateway/command-router.js';
import type { Clock } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import { ProxiesRepo } from './proxies.repo.js';
import { proxiesRoutes } from './proxies.routes.js';
import { type CertificateDirectory, type HostDirectory, ProxiesService } from './proxies.service.js';
import { ProxyStateSync } from './proxy-state-sync.js';

export { ProxiesService, type CertificateDirectory, type HostDirectory } from './proxies.service.js';
export { ProxyStateSync } from './proxy-state-sync.js';

/** The proxies module, wired: the service, the sink the agent gateway feeds, and the routes. */
export interface ProxiesModule {
  proxies: ProxiesService;
  /** Give this to startAgentGateway as `proxy`. */
  sync: ProxyStateSync;
  /** REST routes; register under /api/v1. */
  routes: typeof proxiesRoutes;
  /** Stops listening to the bus (certificate issued, container started). */
  close(): void;
}

export function createProxiesModule(deps: {
  database: DatabaseHandle;
  transaction: TransactionRunner;
  hosts: HostDirectory;
  commands: CommandRouter;
  certificates: CertificateDirectory;
  /** Whether a certificate's names cover a domain (the certificates module's certificateCovers). */
  covers: (certificateDomains: string[], domain: string) => boolean;
  bus: EventBus;
  clock: Clock;
  logger: { warn(object: object, message: string): void };
}): ProxiesModule {
  const repo = new ProxiesRepo(deps.database);
  const sync = new ProxyStateSync({ repo, bus: deps.bus, clock: deps.clock });
  const proxies = new ProxiesService({ ...deps, repo, sync });
  const unsubscribe = proxies.subscribe();
  return { proxies, sync, routes: proxiesRoutes, close: unsubscribe };
}
