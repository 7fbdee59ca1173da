import type { Certificate, CertificateSource } from '@infrapilot/protocol';
import { daysUntil } from './proxies.render.js';

/**
 * How certificates read in the CLI: pure functions from API replies to cells and lines,
 * kept apart from the commands so the shapes can be tested without a server.
 */

type Cell = string | number | null;

export interface Rendered {
  head: string[];
  rows: Cell[][];
}

const SOURCE_TEXT: Record<CertificateSource, string> = { acme: 'ACME', uploaded: 'uploaded', self_signed: 'self-signed' };

/** `acme` → `ACME`, `self_signed` → `self-signed`. */
export function sourceText(source: CertificateSource): string {
  return SOURCE_TEXT[source];
}

/** Days until it expires: the server's count, or counted here from the date. */
function daysLeft(certificate: Pick<Certificate, 'expiresAt' | 'daysLeft'>, now: Date): number | undefined {
  if (certificate.daysLeft !== null) return certificate.daysLeft;
  return certificate.expiresAt ? daysUntil(certificate.expiresAt, now) : undefined;
}

/** The EXPIRES column: `2025-06-01 (83 days left)`, `2025-01-01 (expired)`, empty while pending. */
export function expiresText(certificate: Pick<Certificate, 'expiresAt' | 'daysLeft'>, now: Date): string {
  if (!certificate.expiresAt) return '';
  const date = new Date(certificate.expiresAt).toISOString().slice(0, 10);
  const days = daysLeft(certificate, now)!;
  if (days < 0) return `${date} (expired)`;
  return `${date} (${days} ${days === 1 ? 'day' : 'days'} left)`;
}

/** The USED BY column: the proxy hosts serving it, with their host. */
export function usedByText(certificate: Pick<Certificate, 'proxyHosts'>): string {
  return certificate.proxyHosts.map((proxyHost) => `${proxyHost.domain} (${proxyHost.agentName})`).join(', ');
}

/** The `certs ls` table. */
export function certificateTable(certificates: Certificate[], now: Date): Rendered {
  return {
    head: ['id', 'name', 'domains', 'source', 'status', 'expires', 'used by'],
    rows: certificates.map((certificate) => [
      certificate.id,
      certificate.name,
      certificate.domains.join(', '),
      sourceText(certificate.source),
      certificate.status,
      expiresText(certificate, now),
      usedByText(certificate),
    ]),
  };
}

/** One line about a certificate that is ready: what it covers, who issued it, until when. */
export function certificateSummary(certificate: Certificate, now: Date): string {
  const issuer = certificate.issuer ? `, issued by ${certificate.issuer}` : '';
  const expires = certificate.expiresAt ? `, expires ${expiresText(certificate, now)}` : '';
  return `Certificate ${certificate.name} (${sourceText(certificate.source)}) for ${certificate.domains.join(', ')}${issuer}${expires}.`;
}
