import type { Certificate, CertificateSource, CertificateStatus } from '@infrapilot/protocol';
import type { BadgeTone } from '../../components/ui/badge';
import { EXPIRY_WARNING_DAYS, daysUntil } from '../proxies/proxy-format';

export const SOURCE_WORDS: Record<CertificateSource, string> = { acme: 'ACME', uploaded: 'Uploaded', self_signed: 'Self-signed' };

export const TONE_OF_CERTIFICATE_STATUS: Record<CertificateStatus, BadgeTone> = { pending: 'info', valid: 'success', failed: 'danger' };

/** Days until the certificate expires: the server's count, else from its expiry; null when it has none yet. */
export function daysLeftOf(certificate: Pick<Certificate, 'daysLeft' | 'expiresAt'>, now: number): number | null {
  if (certificate.daysLeft !== null) return certificate.daysLeft;
  return certificate.expiresAt ? daysUntil(certificate.expiresAt, now) : null;
}

/** "45 days left" (amber under 30), "expired" (red). */
export function expiryWords(daysLeft: number): { text: string; tone: 'normal' | 'warning' | 'danger' } {
  if (daysLeft < 0) return { text: 'expired', tone: 'danger' };
  return { text: daysLeft === 1 ? '1 day left' : `${daysLeft} days left`, tone: daysLeft < EXPIRY_WARNING_DAYS ? 'warning' : 'normal' };
}

/** Why a certificate cannot be deleted now, or undefined when it can. */
export function deleteBlocker(certificate: Pick<Certificate, 'proxyHosts'>): string | undefined {
  const count = certificate.proxyHosts.length;
  if (count === 0) return undefined;
  return `In use by ${count === 1 ? '1 proxy host' : `${count} proxy hosts`}: attach another certificate to ${count === 1 ? 'it' : 'them'} first.`;
}
