import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { DatabaseHandle, TransactionRunner } from '../../db/transactions.js';
import type { CommandRouter } from '../../gateway/command-router.js';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { EventBus } from '../../platform/events/event-bus.js';
import type { Actor } from '../../platform/http/request-context.js';
import { AcmeAccounts } from './acme-accounts.js';
import { AcmeOrders } from './acme-orders.js';
import { installAcmeHttpDefaults, trustCaForDirectory } from './acme-http.js';
import { CertificateRenewal } from './certificate-renewal.js';
import { CertificatesRepo } from './certificates.repo.js';
import { certificatesRoutes } from './certificates.routes.js';
import { CertificatesService } from './certificates.service.js';

export { certificateCovers } from './pem-inspection.js';
export { CertificatesService, type CertificateMaterial } from './certificates.service.js';
export { CertificateRenewal, type RenewalOutcome } from './certificate-renewal.js';

export interface CertificatesModuleSettings {
  /** The ACME directory orders go to. */
  directoryUrl: string;
  /** A PEM file of CAs trusted (besides the public roots) for the directory's HTTPS. */
  caFile: string | undefined;
  /** The contact of new ACME accounts; else the requesting user's e-mail. */
  email: string | undefined;
  /** The most days before expiry a certificate renews (a third of a shorter lifetime otherwise). */
  renewBeforeDays: number;
  /** How long one request to the CA may go unanswered (default 30 s). */
  acmeRequestTimeoutMs?: number | undefined;
}

/** The certificates module, wired. */
export interface CertificatesModule {
  certificates: CertificatesService;
  /** REST routes; register under /api/v1. */
  routes: FastifyPluginAsyncZod<{ certificates: CertificatesService }>;
  /** Scheduled ACME renewals: start(intervalMs) at boot, stop() at shutdown; renewDue() runs one check now. */
  renewal: CertificateRenewal;
  /**
   * Waits for the renewal check and the ACME orders running now, for at most `limitMs`
   * (10 s): a shutdown does not wait on a slow CA. Orders still running then are logged
   * as abandoned; their certificates stay `pending` (resumed by a later check) or keep
   * their valid certificate (renewed again by a later check).
   */
  settled(limitMs?: number): Promise<void>;
}

/** How long settled() waits by default. */
export const SETTLE_LIMIT_MS = 10_000;

export function createCertificatesModule(deps: {
  database: DatabaseHandle;
  transaction: TransactionRunner;
  hosts: { getAgent(actor: Actor, id: string): Promise<{ id: string; name: string }> };
  commands: CommandRouter;
  bus: EventBus;
  secretBox: SecretBox;
  clock: Clock;
  settings: CertificatesModuleSettings;
  logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
}): CertificatesModule {
  const { settings } = deps;
  installAcmeHttpDefaults();
  // Read at start, so a missing file is a startup error rather than a failed order hours later.
  if (settings.caFile) trustCaForDirectory(settings.directoryUrl, readFileSync(settings.caFile, 'utf8'));
  const repo = new CertificatesRepo(deps.database);
  const accounts = new AcmeAccounts({ repo, secretBox: deps.secretBox, clock: deps.clock });
  const orders = new AcmeOrders({
    repo,
    accounts,
    commands: deps.commands,
    bus: deps.bus,
    secretBox: deps.secretBox,
    clock: deps.clock,
    settings: { directoryUrl: settings.directoryUrl, email: settings.email, requestTimeoutMs: settings.acmeRequestTimeoutMs },
    logger: deps.logger,
  });
  const certificates = new CertificatesService({
    repo,
    orders,
    hosts: deps.hosts,
    transaction: deps.transaction,
    secretBox: deps.secretBox,
    clock: deps.clock,
    settings: { directoryUrl: settings.directoryUrl, renewBeforeDays: settings.renewBeforeDays },
  });
  const renewal = new CertificateRenewal({ repo, orders, certificates, clock: deps.clock, settings, logger: deps.logger });
  const settled = async (limitMs = SETTLE_LIMIT_MS): Promise<void> => {
    // The check first: it starts no order once stopped, but may be about to start one.
    const work = (async () => {
      await renewal.idle();
      await orders.settled();
    })();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'limit'>((resolve) => {
      timer = setTimeout(() => resolve('limit'), limitMs);
    });
    const ended = await Promise.race([work.then(() => 'done' as const), limit]);
    clearTimeout(timer);
    if (ended === 'limit') {
      deps.logger.warn(
        { certificateIds: orders.runningIds(), waitedMs: limitMs },
        'ACME orders still running were abandoned; pending ones resume and due renewals run again at a later check',
      );
    }
  };
  return { certificates, routes: certificatesRoutes, renewal, settled };
}
