import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { BackoffLimiter, LoginThrottle } from './login-throttle.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe('BackoffLimiter', () => {
  const policy = { freeFailures: 3, baseDelayMs: 2 * SECOND, maxDelayMs: 20 * SECOND, forgetAfterMs: 10 * MINUTE };

  function failTimes(limiter: BackoffLimiter, key: string, times: number): void {
    for (let index = 0; index < times; index += 1) limiter.recordFailure(key);
  }

  it('lets the free failures through without delay', () => {
    const limiter = new BackoffLimiter(policy, new FakeClock());
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
    failTimes(limiter, 'ada', 3);
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
  });

  it('doubles the delay with each failure beyond the free ones', () => {
    const limiter = new BackoffLimiter(policy, new FakeClock());
    failTimes(limiter, 'ada', 3);
    const delays: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      limiter.recordFailure('ada');
      delays.push(limiter.retryAfterSeconds('ada'));
    }
    expect(delays).toEqual([2, 4, 8, 16]);
  });

  it('counts the wait down in whole seconds, rounding up, to zero', () => {
    const clock = new FakeClock();
    const limiter = new BackoffLimiter(policy, clock);
    failTimes(limiter, 'ada', 5);
    expect(limiter.retryAfterSeconds('ada')).toBe(4);
    clock.advance(2500);
    expect(limiter.retryAfterSeconds('ada')).toBe(2);
    clock.advance(1499);
    expect(limiter.retryAfterSeconds('ada')).toBe(1);
    clock.advance(1);
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
  });

  it('never makes anyone wait longer than the maximum', () => {
    const limiter = new BackoffLimiter(policy, new FakeClock());
    failTimes(limiter, 'ada', 200);
    expect(limiter.retryAfterSeconds('ada')).toBe(20);
  });

  it('forgets a key after the quiet period and gives it its free failures again', () => {
    const clock = new FakeClock();
    const limiter = new BackoffLimiter(policy, clock);
    failTimes(limiter, 'ada', 10);
    clock.advance(10 * MINUTE);
    // Still remembered exactly at the end of the quiet period: the next failure keeps escalating.
    limiter.recordFailure('ada');
    expect(limiter.retryAfterSeconds('ada')).toBe(20);

    clock.advance(10 * MINUTE + 1);
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
    failTimes(limiter, 'ada', 3);
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
    limiter.recordFailure('ada');
    expect(limiter.retryAfterSeconds('ada')).toBe(2);
  });

  it('keeps keys apart and forgets one on reset', () => {
    const limiter = new BackoffLimiter(policy, new FakeClock());
    failTimes(limiter, 'ada', 6);
    expect(limiter.retryAfterSeconds('grace')).toBe(0);
    limiter.reset('ada');
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
    failTimes(limiter, 'ada', 3);
    expect(limiter.retryAfterSeconds('ada')).toBe(0);
  });
});

describe('LoginThrottle', () => {
  const owner = 'owner@example.com';
  const attackerAddress = '203.0.113.66';
  const ownerAddress = '198.51.100.7';

  it('slows the attacking address down hard, up to 15 minutes', () => {
    const throttle = new LoginThrottle(new FakeClock());
    for (let index = 0; index < 5; index += 1) throttle.recordFailure(owner, attackerAddress);
    expect(throttle.retryAfterSeconds(owner, attackerAddress)).toBe(0);
    throttle.recordFailure(owner, attackerAddress);
    expect(throttle.retryAfterSeconds(owner, attackerAddress)).toBe(1);
    for (let index = 0; index < 100; index += 1) throttle.recordFailure(owner, attackerAddress);
    expect(throttle.retryAfterSeconds(owner, attackerAddress)).toBe(15 * 60);
  });

  it('does not lock the owner out from another address for more than a minute', () => {
    const clock = new FakeClock();
    const throttle = new LoginThrottle(clock);
    for (let index = 0; index < 1000; index += 1) throttle.recordFailure(owner, attackerAddress);

    const ownerWait = throttle.retryAfterSeconds(owner, ownerAddress);
    expect(ownerWait).toBeGreaterThan(0);
    expect(ownerWait).toBeLessThanOrEqual(60);
    clock.advance(ownerWait * SECOND);
    expect(throttle.retryAfterSeconds(owner, ownerAddress)).toBe(0);
    expect(throttle.retryAfterSeconds(owner, attackerAddress)).toBeGreaterThan(60);
  });

  it('caps a guessing attack spread over many addresses at a minute per account', () => {
    const throttle = new LoginThrottle(new FakeClock());
    for (let index = 0; index < 500; index += 1) throttle.recordFailure(owner, `10.0.${Math.floor(index / 4)}.${index % 4}`);
    const wait = throttle.retryAfterSeconds(owner, ownerAddress);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
  });

  it('slows down an address spraying passwords over many accounts', () => {
    const throttle = new LoginThrottle(new FakeClock());
    for (let index = 0; index < 30; index += 1) throttle.recordFailure(`user${index}@example.com`, attackerAddress);
    expect(throttle.retryAfterSeconds('fresh@example.com', attackerAddress)).toBe(0);
    throttle.recordFailure('user30@example.com', attackerAddress);
    expect(throttle.retryAfterSeconds('fresh@example.com', attackerAddress)).toBe(1);
    expect(throttle.retryAfterSeconds('fresh@example.com', ownerAddress)).toBe(0);
  });

  it('clears the account once the owner signs in, but not the attacking address', () => {
    const throttle = new LoginThrottle(new FakeClock());
    for (let index = 0; index < 100; index += 1) throttle.recordFailure(owner, attackerAddress);
    expect(throttle.retryAfterSeconds(owner, ownerAddress)).toBeGreaterThan(0);

    throttle.recordSuccess(owner, ownerAddress);

    expect(throttle.retryAfterSeconds(owner, ownerAddress)).toBe(0);
    expect(throttle.retryAfterSeconds(owner, attackerAddress)).toBe(15 * 60);
  });

  it('clears the owner\'s own failures on success', () => {
    const throttle = new LoginThrottle(new FakeClock());
    for (let index = 0; index < 7; index += 1) throttle.recordFailure(owner, ownerAddress);
    expect(throttle.retryAfterSeconds(owner, ownerAddress)).toBe(2);
    throttle.recordSuccess(owner, ownerAddress);
    expect(throttle.retryAfterSeconds(owner, ownerAddress)).toBe(0);
    for (let index = 0; index < 5; index += 1) throttle.recordFailure(owner, ownerAddress);
    expect(throttle.retryAfterSeconds(owner, ownerAddress)).toBe(0);
  });
});
