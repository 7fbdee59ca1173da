/** How long to wait between reconnection attempts. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Exponential back-off with "full jitter" (a random delay between zero and the
 * exponential ceiling), so a fleet that lost the server at the same moment does not
 * come back at the same moment. Capped; never gives up.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  /** The delay before the next attempt; each call counts as one more failure. */
  nextDelayMs(): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    const random = this.options.random ?? Math.random;
    // Never below a tenth of the initial delay, so a broken server is not hammered in a loop.
    return Math.max(this.options.initialDelayMs / 10, Math.round(random() * ceiling));
  }

  reset(): void {
    this.attempt = 0;
  }
}
