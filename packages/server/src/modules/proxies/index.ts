import type { DatabaseHandle, TransactionRunner } from '../../db/transactions.js';
import type { CommandRouter } from '../../gateway/command-router.js';
import type { Clock } from '../../platform/clock.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import { CertificateChoice, type CertificateDirectory } from './certificate-choice.js';
import { ProxiesRepo } from './proxies.repo.js';
import { proxiesRoutes } from './proxies.routes.js';
import { type HostDirectory, ProxiesService } from './proxies.service.js';
import { DEFAULT_PROXY_COMMAND_TIMEOUTS, ProxyCommands, type ProxyCommandTimeouts } from './proxy-commands.js';
import { ProxyStateSync } from './proxy-state-sync.js';

export { ProxiesService, type CertificateDirectory, type HostDirectory } from './proxies.service.js';
export { ProxyStateSync } from './proxy-state-sync.js';

/** How often proxy hosts left in `error`, or behind their certificate, are applied again. */
export const RECONCILE_INTERVAL_MS = 10 * 60 * 1000;

/** The proxies module, wired: the service, the sink the agent gateway feeds, and the routes. */
export interface ProxiesModule {
  proxies: ProxiesService;
  /** Give this to startAgentGateway as `proxy`. */
  sync: ProxyStateSync;
  /** REST routes; register under /api/v1. */
  routes: typeof proxiesRoutes;
  /** Stops listening to the bus (certificate issued, container started, agent back) and the reconciliation timer. */
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
  /** How long to wait for the agent (tests shorten it). */
  timeouts?: ProxyCommandTimeouts;
}): ProxiesModule {
  const repo = new ProxiesRepo(deps.database);
  const commands = new ProxyCommands(deps.commands, deps.timeouts ?? DEFAULT_PROXY_COMMAND_TIMEOUTS);
  const sync = new ProxyStateSync({ repo, bus: deps.bus, clock: deps.clock, commands, logger: deps.logger });
  const choice = new CertificateChoice({ certificates: deps.certificates, covers: deps.covers });
  const proxies = new ProxiesService({ ...deps, repo, commands, choice, sync });
  const unsubscribe = proxies.subscribe();
  const reconciliation = setInterval(() => void proxies.reconcile(), RECONCILE_INTERVAL_MS);
  // A timer must not keep a process alive that is otherwise done (the CLI, tests).
  reconciliation.unref();
  return {
    proxies,
    sync,
    routes: proxiesRoutes,
    close() {
      clearInterval(reconciliation);
      unsubscribe();
    },
  };
}
