import { describe, expect, it } from 'vitest';
import { isRenewalDue, nextRenewalAt, renewalWindowMs, type ScheduledCertificate } from './renewal-schedule.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const THIRTY_DAYS = 30 * DAY_MS;
const ISSUED = Date.parse('2025-03-01T00:00:00.000Z');

function certificate(lifetimeDays: number, renewalAttemptedAt: number | null = null): ScheduledCertificate {
  return {
    not_before: new Date(ISSUED).toISOString(),
    expires_at: new Date(ISSUED + lifetimeDays * DAY_MS).toISOString(),
    renewal_attempted_at: renewalAttemptedAt === null ? null : new Date(renewalAttemptedAt).toISOString(),
  };
}

const at = (milliseconds: number) => new Date(milliseconds);

describe('the renewal window', () => {
  it('opens 30 days before expiry for a 90-day certificate', () => {
    const ninetyDays = certificate(90);
    expect(renewalWindowMs(ninetyDays, THIRTY_DAYS)).toBe(THIRTY_DAYS);
    expect(isRenewalDue(ninetyDays, at(ISSUED + 59 * DAY_MS), THIRTY_DAYS)).toBe(false);
    expect(isRenewalDue(ninetyDays, at(ISSUED + 60 * DAY_MS), THIRTY_DAYS)).toBe(true);
  });

  // Regression: a 6-day certificate was inside the 30-day window from the moment it was issued, so every check re-issued it.
  it('opens a third of the lifetime before expiry for a short-lived certificate', () => {
    const sixDays = certificate(6);
    expect(renewalWindowMs(sixDays, THIRTY_DAYS)).toBe(2 * DAY_MS);
    expect(isRenewalDue(sixDays, at(ISSUED + HOUR_MS), THIRTY_DAYS)).toBe(false);
    expect(isRenewalDue(sixDays, at(ISSUED + 3 * DAY_MS), THIRTY_DAYS)).toBe(false);
    expect(isRenewalDue(sixDays, at(ISSUED + 4 * DAY_MS), THIRTY_DAYS)).toBe(true);
  });

  it('falls back to the whole window when the start of validity is unknown', () => {
    expect(renewalWindowMs({ not_before: null, expires_at: '2025-06-01T00:00:00.000Z' }, THIRTY_DAYS)).toBe(THIRTY_DAYS);
  });

  it('never schedules a certificate without an expiry', () => {
    expect(nextRenewalAt({ not_before: null, expires_at: null, renewal_attempted_at: null }, THIRTY_DAYS)).toBeUndefined();
    expect(isRenewalDue({ not_before: null, expires_at: null, renewal_attempted_at: null }, at(ISSUED), THIRTY_DAYS)).toBe(false);
  });
});

describe('retrying a failed renewal', () => {
  const opens = ISSUED + 60 * DAY_MS;

  it('retries hourly for the first three attempts, then once a day', () => {
    // Each attempt is recorded and failed: the certificate is still in its window.
    const attempts = [opens, opens + HOUR_MS, opens + 2 * HOUR_MS];
    expect(nextRenewalAt(certificate(90, attempts[0]!), THIRTY_DAYS)).toEqual(at(opens + HOUR_MS));
    expect(nextRenewalAt(certificate(90, attempts[1]!), THIRTY_DAYS)).toEqual(at(opens + 2 * HOUR_MS));
    expect(nextRenewalAt(certificate(90, attempts[2]!), THIRTY_DAYS)).toEqual(at(opens + 2 * HOUR_MS + DAY_MS));
    expect(isRenewalDue(certificate(90, attempts[2]!), at(opens + 3 * HOUR_MS), THIRTY_DAYS)).toBe(false);
    expect(isRenewalDue(certificate(90, attempts[2]!), at(opens + 2 * HOUR_MS + DAY_MS), THIRTY_DAYS)).toBe(true);
    // And stays daily for as long as the CA refuses.
    const tenDaysIn = opens + 10 * DAY_MS;
    expect(nextRenewalAt(certificate(90, tenDaysIn), THIRTY_DAYS)).toEqual(at(tenDaysIn + DAY_MS));
  });

  it('waits a day after a first failure that comes late in the window (the server was down when it opened)', () => {
    const late = opens + 5 * DAY_MS;
    expect(nextRenewalAt(certificate(90, late), THIRTY_DAYS)).toEqual(at(late + DAY_MS));
  });

  it('does not let a renewal asked for by hand before the window delay the window', () => {
    const byHand = opens - 10 * DAY_MS;
    expect(nextRenewalAt(certificate(90, byHand), THIRTY_DAYS)).toEqual(at(opens));
    const justBefore = opens - 30 * 60 * 1000;
    expect(nextRenewalAt(certificate(90, justBefore), THIRTY_DAYS)).toEqual(at(justBefore + HOUR_MS));
  });
});
