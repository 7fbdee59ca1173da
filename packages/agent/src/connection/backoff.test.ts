import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the ceiling after each failure up to the cap', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 1 });
    const delays = Array.from({ length: 7 }, () => backoff.nextDelayMs());
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('never gives up and never overflows, however long the server stays away', () => {
    const backoff = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 30_000, random: () => 1 });
    let last = 0;
    for (let attempt = 0; attempt < 10_000; attempt++) last = backoff.nextDelayMs();
    expect(last).toBe(30_000);
  });

  it('spreads delays between a floor of a tenth of the initial delay and the ceiling', () => {
    const backoff = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 30_000 });
    const delays = Array.from({ length: 200 }, () => backoff.nextDelayMs());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    // Full jitter: a fleet that lost the server together does not come back together.
    expect(new Set(delays.slice(-50)).size).toBeGreaterThan(10);
  });

  it('does not retry in a tight loop even when the jitter draws zero', () => {
    const backoff = new Backoff({ initialDelayMs: 1_000, maxDelayMs: 30_000, random: () => 0 });
    expect(backoff.nextDelayMs()).toBe(100);
  });

  it('starts from the initial delay again after a reset (a connection that worked)', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 10_000, random: () => 1 });
    for (let attempt = 0; attempt < 5; attempt++) backoff.nextDelayMs();
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(100);
  });
});
