import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { AcmeOrders, OrderOutcome } from './acme-orders.js';
import type { CertificatesRepo } from './certificates.repo.js';
import type { CertificatesService } from './certificates.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// A failed renewal is tried again after this, not at every check: the CA's rate limits count failures.
const RETRY_AFTER_MS = 60 * 60 * 1000;
// A pending certificate whose order is not running here and has not moved for this long lost its order.
const STALE_PENDING_MS = 10 * 60 * 1000;

/** How one due certificate's renewal went. */
export type RenewalOutcome = { certificateId: string } & OrderOutcome;

/**
 * Renews ACME certificates before they expire: at start and then every interval it looks
 * for auto-renewing, valid ACME certificates expiring within `renewBeforeDays` and not
 * tried in the last hour, and runs their orders one after another through the host that
 * answers their challenges. A failure is logged and recorded on the certificate, which
 * stays valid until it expires. Each check also restarts the orders a restart lost
 * (certificates left `pending`).
 */
export class CertificateRenewal {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly deps: {
      repo: CertificatesRepo;
      orders: AcmeOrders;
      certificates: CertificatesService;
      clock: Clock;
      settings: { renewBeforeDays: number };
      logger: { info(o: object, m: string): void; warn(o: object, m: string): void };
    },
  ) {}

  /** Checks now, then every `intervalMs`; the timer does not keep the process alive. */
  start(intervalMs: number): void {
    this.stop();
    void this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    // A slow CA can make one check outlast the interval: never run two at once.
    if (this.checking) return;
    this.checking = true;
    try {
      await this.resumeLostOrders();
      await this.renewDue();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'certificate renewal check failed');
    } finally {
      this.checking = false;
    }
  }

  /** Runs again the orders of ACME certificates left `pending` (the server stopped mid-order), sequentially. */
  async resumeLostOrders(now: Date = this.deps.clock.now()): Promise<RenewalOutcome[]> {
    const stale = await this.deps.repo.listStalePending(isoTimestamp(new Date(now.getTime() - STALE_PENDING_MS)));
    const outcomes: RenewalOutcome[] = [];
    for (const row of stale) {
      if (this.deps.orders.isRunning(row.id)) continue;
      await this.deps.repo.update(row.id, { updated_at: isoTimestamp(now) });
      outcomes.push({ certificateId: row.id, ...(await this.runFor(row.id, now)) });
    }
    return outcomes;
  }

  /** Renews every certificate due at `now`, sequentially, and says how each went. */
  async renewDue(now: Date = this.deps.clock.now()): Promise<RenewalOutcome[]> {
    const due = await this.deps.repo.listDueForRenewal(
      isoTimestamp(new Date(now.getTime() + this.deps.settings.renewBeforeDays * DAY_MS)),
      isoTimestamp(new Date(now.getTime() - RETRY_AFTER_MS)),
    );
    const outcomes: RenewalOutcome[] = [];
    for (const row of due) {
      if (this.deps.orders.isRunning(row.id)) continue;
      await this.deps.repo.update(row.id, { renewal_attempted_at: isoTimestamp(now) });
      this.deps.logger.info({ certificateId: row.id, expiresAt: row.expires_at }, 'renewing ACME certificate');
      const outcome = await this.runFor(row.id, now);
      if (!outcome.ok) this.deps.logger.warn({ certificateId: row.id, error: outcome.error }, 'ACME renewal failed');
      outcomes.push({ certificateId: row.id, ...outcome });
    }
    return outcomes;
  }

  /** Runs an order for the certificate through the host that answers its challenges, if it still has one. */
  private async runFor(certificateId: string, now: Date): Promise<OrderOutcome> {
    const row = await this.deps.repo.getWithAgent(certificateId);
    if (!row) return { ok: false, error: 'The certificate no longer exists' };
    if (!row.agent_id || row.agent_name === null) {
      const error = 'The host that answered its ACME challenges was removed; request SSL again from one of its proxy hosts';
      const stillValid = row.status === 'valid' && row.expires_at !== null && row.expires_at > isoTimestamp(now);
      await this.deps.repo.update(certificateId, { ...(stillValid ? {} : { status: 'failed' as const }), last_error: error, updated_at: isoTimestamp(now) });
      return { ok: false, error };
    }
    return this.deps.orders.run(this.deps.certificates.orderSubjectOf(row, row.agent_name, null));
  }
}
