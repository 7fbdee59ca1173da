import type { CertificateSummary, IpRule, ProxyHost, ProxyHostInput, ProxyServer, RateLimit } from '@infrapilot/protocol';
import type { ProxyApplyResult, ProxyState } from '@infrapilot/protocol/agent';
import type { IpRulesTable, ProxyHostsTable, ProxySecurityHeadersTable, ProxyServersTable, RateLimitsTable } from '../../db/schema.js';
import { newId } from '../../platform/ids.js';
import type { CertificateDeployment, CertificateState } from './certificate-choice.js';

// Pure translations between what a user gives (ProxyHostInput), the rows of the five
// tables a proxy host lives in, and what the API answers (ProxyHost).

/** A proxy host's rows: the host, its security headers, its rate limits and IP rules (in the order given). */
export interface ProxyHostRows {
  host: ProxyHostsTable;
  headers: ProxySecurityHeadersTable;
  rateLimits: RateLimitsTable[];
  ipRules: IpRulesTable[];
}

/** The rows with the host (agent) they belong to. */
export interface ProxyHostRecord extends ProxyHostRows {
  agentName: string;
  orgId: string;
}

/** What the agent reported after writing the file: stored with the rows. */
export interface AppliedFacts {
  configHash: string;
  configPath: string;
  upstreamAddress: string | null;
  /** Set when HTTPS is served: with the certificate deployed (which may not be the one attached, while that one is issued). */
  ssl: { certificateId: string; certificatePath: string; privateKeyPath: string; expiresAt: string | null } | null;
}

const PERIOD_TO_WINDOW = { second: '1s', minute: '1m' } as const;

/**
 * The nginx zone of a host's nth rate limit (from 1). Made from the host's id so two
 * hosts' files never define the same zone, and never from anything a user typed.
 */
export function zoneNameOf(proxyHostId: string, position: number): string {
  return `infrapilot_${proxyHostId.replace(/-/g, '')}_${position}`;
}

/** The seed's time_window ("1s"/"1m") for a limit per second or minute. */
export function timeWindowOf(per: RateLimit['per']): string {
  return PERIOD_TO_WINDOW[per];
}

/** A stored time_window back to "second" or "minute"; anything else (never written by us) reads as per minute, the stricter. */
export function periodOf(timeWindow: string): RateLimit['per'] {
  return timeWindow === '1s' ? 'second' : 'minute';
}

/** "host:port" as the seed's upstream_target, with an IPv6 address in brackets. */
export function upstreamTargetOf(upstream: ProxyHostInput['upstream']): string {
  if (upstream.kind === 'container') return `${upstream.container}:${upstream.port}`;
  return upstream.host.includes(':') ? `[${upstream.host}]:${upstream.port}` : `${upstream.host}:${upstream.port}`;
}

/**
 * IP rules in the order nginx applies them: by ascending priority, then in the order
 * given (a stable sort). nginx stops at the first rule that matches.
 */
export function rulesInApplyOrder(rules: IpRule[]): IpRule[] {
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => a.rule.priority - b.rule.priority || a.index - b.index)
    .map(({ rule }) => rule);
}

/** Every row of a proxy host as the input describes it, stamped with what the agent reported. */
export function rowsOf(
  identity: { id: string; agentId: string; createdAt: string; updatedAt: string },
  input: ProxyHostInput,
  applied: AppliedFacts,
): ProxyHostRows {
  const { id, agentId, createdAt, updatedAt } = identity;
  const { upstream, securityHeaders: headers } = input;
  // The agent is sent only the enabled limits and numbers their zones from 1 in order; a
  // disabled limit has no zone in the file, and its name says so.
  let enabledCount = 0;
  const zoneNames = input.rateLimits.map((limit, index) => (limit.enabled ? zoneNameOf(id, ++enabledCount) : `${zoneNameOf(id, index + 1)}_off`));
  return {
    host: {
      id,
      agent_id: agentId,
      domain: input.domain,
      upstream_kind: upstream.kind,
      upstream_scheme: upstream.scheme,
      upstream_target: upstreamTargetOf(upstream),
      upstream_host: upstream.kind === 'address' ? upstream.host : null,
      upstream_container: upstream.kind === 'container' ? upstream.container : null,
      upstream_port: upstream.port,
      certificate_id: input.certificateId,
      deployed_certificate_id: applied.ssl?.certificateId ?? null,
      ssl_enabled: applied.ssl ? 1 : 0,
      ssl_cert_path: applied.ssl?.certificatePath ?? null,
      ssl_key_path: applied.ssl?.privateKeyPath ?? null,
      ssl_expires_at: applied.ssl?.expiresAt ?? null,
      force_ssl: input.forceSsl ? 1 : 0,
      http2_enabled: input.http2 ? 1 : 0,
      websockets_enabled: input.websockets ? 1 : 0,
      client_max_body_size_mb: input.clientMaxBodySizeMb,
      config_hash: applied.configHash,
      config_path: applied.configPath,
      upstream_address: applied.upstreamAddress,
      status: 'active',
      last_error: null,
      drift_reason: null,
      drift_path: null,
      drift_detected_at: null,
      created_at: createdAt,
      updated_at: updatedAt,
    },
    headers: {
      id: newId(),
      proxy_host_id: id,
      hsts_enabled: headers.hsts ? 1 : 0,
      hsts_max_age: headers.hstsMaxAgeSeconds,
      hsts_include_subdomains: headers.hstsIncludeSubdomains ? 1 : 0,
      x_frame_options: headers.xFrameOptions,
      x_content_type_options: headers.xContentTypeOptions ? 1 : 0,
      x_xss_protection: headers.xXssProtection ? 1 : 0,
      content_security_policy: headers.contentSecurityPolicy,
      created_at: updatedAt,
    },
    rateLimits: input.rateLimits.map((limit, index) => ({
      id: newId(),
      proxy_host_id: id,
      zone_name: zoneNames[index]!,
      requests_per: limit.requests,
      time_window: timeWindowOf(limit.per),
      burst: limit.burst,
      enabled: limit.enabled ? 1 : 0,
      position: index,
      created_at: updatedAt,
    })),
    ipRules: input.ipRules.map((rule, index) => ({
      id: newId(),
      proxy_host_id: id,
      ip_cidr: rule.cidr,
      action: rule.action,
      priority: rule.priority,
      position: index,
      created_at: updatedAt,
    })),
  };
}

/** The settings the rows hold, as a user would give them again (what a re-apply renders); proxyHostInputOf does the same for a ProxyHost. */
export function inputOf(rows: ProxyHostRows): ProxyHostInput {
  const { host, headers } = rows;
  const scheme = host.upstream_scheme;
  const upstream: ProxyHostInput['upstream'] =
    host.upstream_kind === 'container'
      ? { kind: 'container', scheme, container: host.upstream_container ?? '', port: host.upstream_port }
      : { kind: 'address', scheme, host: host.upstream_host ?? '', port: host.upstream_port };
  return {
    domain: host.domain,
    upstream,
    certificateId: host.certificate_id,
    forceSsl: Number(host.force_ssl) === 1,
    http2: Number(host.http2_enabled) === 1,
    websockets: Number(host.websockets_enabled) === 1,
    clientMaxBodySizeMb: Number(host.client_max_body_size_mb),
    securityHeaders: {
      hsts: Number(headers.hsts_enabled) === 1,
      hstsMaxAgeSeconds: Number(headers.hsts_max_age),
      hstsIncludeSubdomains: Number(headers.hsts_include_subdomains) === 1,
      xFrameOptions: headers.x_frame_options === 'DENY' || headers.x_frame_options === 'SAMEORIGIN' ? headers.x_frame_options : null,
      xContentTypeOptions: Number(headers.x_content_type_options) === 1,
      xXssProtection: Number(headers.x_xss_protection) === 1,
      contentSecurityPolicy: headers.content_security_policy,
    },
    rateLimits: [...rows.rateLimits]
      .sort((a, b) => a.position - b.position)
      .map((limit) => ({ requests: Number(limit.requests_per), per: periodOf(limit.time_window), burst: Number(limit.burst), enabled: Number(limit.enabled) === 1 })),
    ipRules: [...rows.ipRules].sort((a, b) => a.position - b.position).map((rule) => ({ cidr: rule.ip_cidr, action: rule.action, priority: Number(rule.priority) })),
  };
}

/** What the rows keep of the agent's answer. */
export function appliedFacts(result: ProxyApplyResult, certificate: CertificateDeployment | undefined): AppliedFacts {
  return {
    configHash: result.configHash.toLowerCase(),
    configPath: result.path,
    upstreamAddress: result.upstreamAddress || null,
    ssl: certificate
      ? { certificateId: certificate.id, certificatePath: result.certificatePath, privateKeyPath: result.privateKeyPath, expiresAt: certificate.expiresAt }
      : null,
  };
}

/** What a stored proxy host says about its certificates. */
export function certificateStateOf(record: ProxyHostRecord): CertificateState {
  return { domain: record.host.domain, certificateId: record.host.certificate_id, deployedCertificateId: record.host.deployed_certificate_id };
}

/** A proxy host as the API shows it. */
export function toProxyHost(record: ProxyHostRecord, certificate: CertificateSummary | null): ProxyHost {
  const { host } = record;
  const input = inputOf(record);
  return {
    id: host.id,
    agentId: host.agent_id,
    agentName: record.agentName,
    ...input,
    sslEnabled: Number(host.ssl_enabled) === 1,
    sslExpiresAt: host.ssl_expires_at,
    certificate,
    status: host.status,
    lastError: host.last_error,
    drift:
      host.drift_reason && host.drift_path && host.drift_detected_at
        ? { reason: host.drift_reason, path: host.drift_path, detectedAt: host.drift_detected_at }
        : null,
    configHash: host.config_hash,
    configPath: host.config_path,
    upstreamAddress: host.upstream_address,
    createdAt: host.created_at,
    updatedAt: host.updated_at,
  };
}

/** The proxy_servers row for a heartbeat's ProxyState. */
export function serverRowOf(agentId: string, state: ProxyState, reportedAt: string): ProxyServersTable {
  const text = (value: string, length: number) => (value ? value.slice(0, length) : null);
  return {
    agent_id: agentId,
    available: state.available ? 1 : 0,
    problem: state.available ? null : (text(state.problem, 2000) ?? 'the agent did not say why'),
    server: text(state.server, 20),
    version: text(state.version, 50),
    running: state.running ? 1 : 0,
    config_directory: text(state.configDirectory, 500),
    http_port: state.httpPort > 0 ? state.httpPort : null,
    https_port: state.httpsPort > 0 ? state.httpsPort : null,
    reported_at: reportedAt,
  };
}

/** A proxy_servers row as the API shows it. */
export function toProxyServer(row: ProxyServersTable, agentName: string): ProxyServer {
  return {
    agentId: row.agent_id,
    agentName,
    available: Number(row.available) === 1,
    problem: row.problem,
    server: row.server,
    version: row.version,
    running: Number(row.running) === 1,
    configDirectory: row.config_directory,
    httpPort: row.http_port === null ? null : Number(row.http_port),
    httpsPort: row.https_port === null ? null : Number(row.https_port),
    reportedAt: row.reported_at,
  };
}
