import type { ProxyConfig, ProxyHost, ProxyUpstream } from '@infrapilot/protocol';

/**
 * How proxy hosts read in the CLI: pure functions from API replies to cells and lines,
 * kept apart from the commands so the shapes can be tested without a server.
 */

type Cell = string | number | null;

export interface Rendered {
  head: string[];
  rows: Cell[][];
}

const DAY_MS = 86_400_000;

/** Whole days from `now` until `iso` (negative once past). */
export function daysUntil(iso: string, now: Date): number {
  return Math.floor((new Date(iso).getTime() - now.getTime()) / DAY_MS);
}

/** Where a proxy host forwards, as `--to` accepts it back: `http://10.0.0.5:8080`, `container web:8080`. */
export function upstreamText(upstream: ProxyUpstream): string {
  if (upstream.kind === 'container') return `container ${upstream.container}:${upstream.port}${upstream.scheme === 'https' ? ' (https)' : ''}`;
  const host = upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host;
  return `${upstream.scheme}://${host}:${upstream.port}`;
}

/** The SSL column: `off`, `pending`, `valid 83d`, `expired`, `failed`. */
export function sslText(proxyHost: Pick<ProxyHost, 'certificate'>, now: Date): string {
  const certificate = proxyHost.certificate;
  if (!certificate) return 'off';
  if (certificate.status !== 'valid') return certificate.status;
  if (!certificate.expiresAt) return 'valid';
  const days = daysUntil(certificate.expiresAt, now);
  return days < 0 ? 'expired' : `valid ${days}d`;
}

/** The `proxies ls` table. */
export function proxyHostTable(proxyHosts: ProxyHost[], now: Date): Rendered {
  return {
    head: ['domain', 'host', 'upstream', 'SSL', 'status'],
    rows: proxyHosts.map((proxyHost) => [proxyHost.domain, proxyHost.agentName, upstreamText(proxyHost.upstream), sslText(proxyHost, now), proxyHost.status]),
  };
}

/** One line after `add`/`edit`: what the proxy host does now. */
export function proxyHostSummary(proxyHost: ProxyHost, now: Date): string {
  const ssl = sslText(proxyHost, now);
  const serving = proxyHost.sslEnabled ? `HTTPS (${ssl})${proxyHost.forceSsl ? ', HTTP redirects to HTTPS' : ''}` : ssl === 'off' ? 'HTTP only' : `HTTP only, certificate ${ssl}`;
  return `${proxyHost.domain} on ${proxyHost.agentName} → ${upstreamText(proxyHost.upstream)}: ${serving}.`;
}

/** Lines for stderr about a proxy host that is not as InfraPilot last left it; none when it is. */
export function problemNotes(proxyHost: ProxyHost): string[] {
  const notes: string[] = [];
  if (proxyHost.status === 'error') notes.push(`warning: the last change to ${proxyHost.domain} did not go live: ${proxyHost.lastError ?? 'no reason given'}`);
  if (proxyHost.certificate?.status === 'failed') {
    notes.push(`warning: the certificate for ${proxyHost.domain} failed: ${proxyHost.certificate.lastError ?? 'no reason given'}`);
  }
  return notes;
}

/** The note `proxies config` prints on stderr when the file on the host drifted; undefined when it did not. */
export function driftNote(config: ProxyConfig, proxyHost: Pick<ProxyHost, 'domain' | 'agentName'>): string | undefined {
  if (!config.drift) return undefined;
  const what = config.liveHash === null ? 'is missing' : 'was changed by hand';
  return (
    `note: ${config.path} on ${proxyHost.agentName} ${what} (drift); this is what InfraPilot would write. ` +
    `\`infrapilot proxies edit ${proxyHost.agentName} ${proxyHost.domain}\` with no options writes it back.`
  );
}
