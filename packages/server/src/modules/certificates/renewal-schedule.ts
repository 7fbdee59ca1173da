import type { CertificatesTable } from '../../db/schema.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** How many hourly attempts a renewal gets before it retries once a day. */
export const HOURLY_ATTEMPTS = 3;
export const HOURLY_RETRY_MS = HOUR_MS;
export const DAILY_RETRY_MS = DAY_MS;

/** The row fields the schedule reads. */
export type ScheduledCertificate = Pick<CertificatesTable, 'not_before' | 'expires_at' | 'renewal_attempted_at'>;

/**
 * How long before expiry a certificate renews: `maxBeforeMs` (30 days), or a third of
 * its lifetime when that is shorter, so a 6-day certificate renews with 2 days left
 * instead of at every check from the day it was issued.
 */
export function renewalWindowMs(certificate: Pick<CertificatesTable, 'not_before' | 'expires_at'>, maxBeforeMs: number): number {
  const expiresAt = Date.parse(certificate.expires_at ?? '');
  const notBefore = Date.parse(certificate.not_before ?? '');
  if (Number.isNaN(expiresAt) || Number.isNaN(notBefore) || expiresAt <= notBefore) return maxBeforeMs;
  return Math.min(maxBeforeMs, (expiresAt - notBefore) / 3);
}

/**
 * When the certificate may next be renewed automatically; undefined when it has no expiry.
 *
 * The failures are derived, not counted: a renewal that succeeds moves the expiry, so a
 * certificate still in its window failed every attempt made since the window opened.
 * Hourly attempts from the opening put the third at two hours in; an attempt that late
 * (or later, after downtime) is followed by one a day, so a CA that keeps refusing is not
 * asked every hour for weeks.
 */
export function nextRenewalAt(certificate: ScheduledCertificate, maxBeforeMs: number): Date | undefined {
  const expiresAt = Date.parse(certificate.expires_at ?? '');
  if (Number.isNaN(expiresAt)) return undefined;
  const opensAt = expiresAt - renewalWindowMs(certificate, maxBeforeMs);
  const attemptedAt = Date.parse(certificate.renewal_attempted_at ?? '');
  if (Number.isNaN(attemptedAt)) return new Date(opensAt);
  const hourlyUntil = opensAt + (HOURLY_ATTEMPTS - 1) * HOURLY_RETRY_MS;
  const retryAfter = attemptedAt < hourlyUntil ? HOURLY_RETRY_MS : DAILY_RETRY_MS;
  return new Date(Math.max(opensAt, attemptedAt + retryAfter));
}

/** Whether the scheduled check renews the certificate at `now`. */
export function isRenewalDue(certificate: ScheduledCertificate, now: Date, maxBeforeMs: number): boolean {
  const next = nextRenewalAt(certificate, maxBeforeMs);
  return next !== undefined && next.getTime() <= now.getTime();
}
