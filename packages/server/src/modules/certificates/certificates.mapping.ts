import type { Certificate, CertificateSummary } from '@infrapilot/protocol';
import type { CertificatesTable } from '../../db/schema.js';
import type { CertificateUser } from './certificates.repo.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The domains column (a JSON array) as a list. */
export function domainsOf(row: Pick<CertificatesTable, 'domains'>): string[] {
  const parsed: unknown = JSON.parse(row.domains);
  return Array.isArray(parsed) ? parsed.filter((domain): domain is string => typeof domain === 'string') : [];
}

/** Whole days until expiry (negative once expired); null before a certificate exists. */
export function daysLeftOf(expiresAt: string | null, now: Date): number | null {
  if (!expiresAt) return null;
  return Math.floor((Date.parse(expiresAt) - now.getTime()) / DAY_MS);
}

/** The API's view of a row: never its key. */
export function toCertificate(row: CertificatesTable, users: CertificateUser[], now: Date): Certificate {
  return {
    id: row.id,
    name: row.name,
    domains: domainsOf(row),
    source: row.source,
    status: row.status,
    issuer: row.issuer,
    serialNumber: row.serial_number,
    notBefore: row.not_before,
    expiresAt: row.expires_at,
    daysLeft: daysLeftOf(row.expires_at, now),
    autoRenew: row.auto_renew === 1,
    acmeDirectoryUrl: row.acme_directory_url,
    agentId: row.agent_id,
    lastError: row.last_error,
    proxyHosts: users.map((user) => ({ id: user.id, domain: user.domain, agentId: user.agent_id, agentName: user.agent_name })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A certificate as a proxy host shows it. */
export function toSummary(row: CertificatesTable): CertificateSummary {
  return { id: row.id, name: row.name, source: row.source, status: row.status, expiresAt: row.expires_at, lastError: row.last_error };
}
