import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { AcmeOrders, OrderOutcome } from './acme-orders.js';
import type { CertificatesRepo } from './certificates.repo.js';
import type { CertificatesService } from './certificates.service.js';
import { HOURLY_RETRY_MS, isRenewalDue } from './renewal-schedule.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// A pending certificate whose order is not running here and has not moved for this long lost its order.
const STALE_PENDING_MS = 10 * 60 * 1000;

/** How one due certificate's renewal went. */
export type RenewalOutcome = { certificateId: string } & OrderOutcome;

/**
 * Renews ACME certificates before they expire: at start and then every interval it looks
 * for auto-renewing, valid ACME certificates that a proxy host uses and whose renewal is
 * due (renewal-schedule.ts: min(`renewBeforeDays`, a third of the lifetime) before expiry,
 * failures retried hourly three times, then daily), and runs their orders one after
 * another through the host that answers their challenges. A failure is logged and
 * recorded on the certificate, which stays valid until it expires. Each check also
 * restarts the orders a restart lost (certificates left `pending`).
 */
export class CertificateRenewal {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;

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
    if (this.timer) clearInterval(this.timer);
    this.stopped = false;
    void this.check();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /**
   * Ends the timer and the check in progress: it starts no further order, and the promise
   * settles once the order it is waiting for ends (shutdown awaits it before closing the
   * database). Checks run by hand (renewDue, resumeLostOrders) do nothing from then until start().
   */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.idle();
  }

  /** Settles when no check is running. */
  idle(): Promise<void> {
    return this.checking ?? Promise.resolve();
  }

  private check(): Promise<void> {
    // A slow CA can make one check outlast the interval: never run two at once.
    if (this.checking) return this.checking;
    this.checking = (async () => {
      try {
        await this.resumeLostOrders();
        await this.renewDue();
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'certificate renewal check failed');
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  /** Runs again the orders of ACME certificates left `pending` (the server stopped mid-order), sequentially. */
  async resumeLostOrders(now: Date = this.deps.clock.now()): Promise<RenewalOutcome[]> {
    const stale = await this.deps.repo.listStalePending(isoTimestamp(new Date(now.getTime() - STALE_PENDING_MS)));
    const outcomes: RenewalOutcome[] = [];
    for (const row of stale) {
      if (this.stopped) break;
      if (this.deps.orders.isRunning(row.id)) continue;
      await this.deps.repo.update(row.id, { updated_at: isoTimestamp(now) });
      outcomes.push({ certificateId: row.id, ...(await this.runFor(row.id, now)) });
    }
    return outcomes;
  }

  /** Renews every certificate due at `now`, sequentially, and says how each went. */
  async renewDue(now: Date = this.deps.clock.now()): Promise<RenewalOutcome[]> {
    const maxBeforeMs = this.deps.settings.renewBeforeDays * DAY_MS;
    // The query narrows by the widest window and the shortest retry; the schedule decides.
    const candidates = await this.deps.repo.listRenewalCandidates(
      isoTimestamp(new Date(now.getTime() + maxBeforeMs)),
      isoTimestamp(new Date(now.getTime() - HOURLY_RETRY_MS)),
    );
    const outcomes: RenewalOutcome[] = [];
    for (const row of candidates) {
      if (this.stopped) break;
      if (!isRenewalDue(row, now, maxBeforeMs) || this.deps.orders.isRunning(row.id)) continue;
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
