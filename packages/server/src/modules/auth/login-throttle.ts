import type { Clock } from '../../platform/clock.js';

export interface BackoffPolicy {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** Delay after the first failure beyond the free ones; doubles with each further one. */
  baseDelayMs: number;
  /** The delay never grows past this, so a locked-out person gets back in. */
  maxDelayMs: number;
  /** A key with no failure for this long starts afresh. */
  forgetAfterMs: number;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailureAt: number;
}

/**
 * Exponential back-off per key, in memory. Delays are capped and forgotten, never a
 * permanent lock, so an attacker can slow an account down but not shut its owner out.
 */
export class BackoffLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: BackoffPolicy, private readonly clock: Clock) {}

  /** Seconds to wait before this key may try again, or 0. */
  retryAfterSeconds(key: string): number {
    const entry = this.live(key);
    if (!entry) return 0;
    const wait = entry.blockedUntil - this.clock.now().getTime();
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  recordFailure(key: string): void {
    const now = this.clock.now().getTime();
    const entry = this.live(key) ?? { failures: 0, blockedUntil: 0, lastFailureAt: now };
    entry.failures += 1;
    entry.lastFailureAt = now;
    const beyond = entry.failures - this.policy.freeFailures;
    if (beyond > 0) {
      const delay = Math.min(this.policy.baseDelayMs * 2 ** (beyond - 1), this.policy.maxDelayMs);
      entry.blockedUntil = now + delay;
    }
    this.entries.set(key, entry);
    this.sweep(now);
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.clock.now().getTime() - entry.lastFailureAt > this.policy.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  // Bounds memory under a spray of distinct keys.
  private sweep(now: number): void {
    if (this.entries.size < 10_000) return;
    for (const [key, entry] of this.entries) {
      if (now - entry.lastFailureAt > this.policy.forgetAfterMs) this.entries.delete(key);
    }
  }
}

/**
 * Login attempts are throttled three ways: per account and address (strict: the
 * attacker's own address slows down fast), per address (password spraying), and
 * per account (distributed guessing; capped low so the owner is only slowed).
 */
export class LoginThrottle {
  private readonly perAccountAndAddress: BackoffLimiter;
  private readonly perAddress: BackoffLimiter;
  private readonly perAccount: BackoffLimiter;

  constructor(clock: Clock) {
    const minutes = 60_000;
    this.perAccountAndAddress = new BackoffLimiter({ freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * minutes, forgetAfterMs: 15 * minutes }, clock);
    this.perAddress = new BackoffLimiter({ freeFailures: 30, baseDelayMs: 1000, maxDelayMs: 15 * minutes, forgetAfterMs: 15 * minutes }, clock);
    this.perAccount = new BackoffLimiter({ freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 15 * minutes }, clock);
  }

  /** Seconds the caller must wait before trying this account from this address, or 0. */
  retryAfterSeconds(account: string, address: string): number {
    return Math.max(
      this.perAccountAndAddress.retryAfterSeconds(`${account}|${address}`),
      this.perAddress.retryAfterSeconds(address),
      this.perAccount.retryAfterSeconds(account),
    );
  }

  recordFailure(account: string, address: string): void {
    this.perAccountAndAddress.recordFailure(`${account}|${address}`);
    this.perAddress.recordFailure(address);
    this.perAccount.recordFailure(account);
  }

  recordSuccess(account: string, address: string): void {
    this.perAccountAndAddress.reset(`${account}|${address}`);
    this.perAccount.reset(account);
  }
}
