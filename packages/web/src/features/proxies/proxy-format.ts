import type { CertificateSummary, ProxyHost, ProxyHostStatus, ProxyUpstream } from '@infrapilot/protocol';
import type { BadgeTone } from '../../components/ui/badge';

/** A certificate this close to expiry is shown in the warning colour (ACME renews at 30 days). */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** Where the proxy host forwards to, as people write it: "http://10.0.0.5:8080" or "container web:80". */
export function describeUpstream(upstream: ProxyUpstream): string {
  if (upstream.kind === 'container') return `${upstream.scheme}://${upstream.container}:${upstream.port} (container)`;
  const host = upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host;
  return `${upstream.scheme}://${host}:${upstream.port}`;
}

/** The site itself, as a browser reaches it. */
export function siteUrl(host: Pick<ProxyHost, 'domain' | 'sslEnabled'>): string {
  return `${host.sslEnabled ? 'https' : 'http'}://${host.domain}`;
}

/** Whole days from `now` to `iso`, rounded down (negative once expired). */
export function daysUntil(iso: string, now: number): number {
  return Math.floor((Date.parse(iso) - now) / DAY_MS);
}

/** The SSL column: what state the host's certificate is in, in words and a colour. */
export interface SslState {
  label: string;
  tone: BadgeTone;
  /** More words for a tooltip (a failure's reason, the expiry date). */
  detail?: string | undefined;
}

export function sslStateOf(certificate: CertificateSummary | null, now: number): SslState {
  if (!certificate) return { label: 'off', tone: 'neutral' };
  if (certificate.status === 'pending') return { label: 'pending', tone: 'info', detail: 'The certificate is being issued; HTTPS starts when it is.' };
  if (certificate.status === 'failed') return { label: 'failed', tone: 'danger', detail: certificate.lastError ?? 'The certificate could not be issued.' };
  if (!certificate.expiresAt) return { label: 'valid', tone: 'success' };
  const days = daysUntil(certificate.expiresAt, now);
  if (days < 0) return { label: 'expired', tone: 'danger', detail: `Expired on ${new Date(certificate.expiresAt).toUTCString()}` };
  return {
    label: `valid · ${days === 1 ? '1 day' : `${days} days`} left`,
    tone: days < EXPIRY_WARNING_DAYS ? 'warning' : 'success',
    detail: `Expires on ${new Date(certificate.expiresAt).toUTCString()}`,
  };
}

export const TONE_OF_STATUS: Record<ProxyHostStatus, BadgeTone> = { active: 'success', error: 'danger', drift: 'warning' };

/** Why a proxy host has its status, for the badge's tooltip. */
export function statusDetail(host: Pick<ProxyHost, 'status' | 'lastError' | 'drift'>): string | undefined {
  if (host.status === 'error') return host.lastError ?? 'The last change could not be applied.';
  if (host.status === 'drift') return driftText(host.drift?.reason);
  return undefined;
}

export function driftText(reason: 'modified' | 'missing' | undefined): string {
  if (reason === 'missing') return 'The managed file is missing on the host.';
  return 'The managed file on the host was changed by hand.';
}

/** The page of a proxy host. */
export function proxyPath(host: { agentId: string; id: string }, suffix = ''): string {
  return `/proxies/${encodeURIComponent(host.agentId)}/${encodeURIComponent(host.id)}${suffix}`;
}
