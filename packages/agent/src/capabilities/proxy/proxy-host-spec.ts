// The control plane validated this proxy host already; the agent checks it again with the
// same grammar because it is the last step before a file nginx runs as root reads, and a
// control plane is not trusted to be bug-free (or uncompromised). What passes here is safe
// to write into an nginx config as it is, except the CSP, which the renderer quotes.
import { ContainerRefSchema, HeaderValueSchema, parseCidr, parseDomain, parseUpstreamHost, quoteNginxString } from '@infrapilot/protocol';
import type { ProxyHostSpec } from '@infrapilot/protocol/agent';
import { CommandFailure } from '../registry.js';

/** A proxy host spec that passed validation, in the shape the renderer and driver use. */
export interface ValidatedProxyHost {
  id: string;
  domain: string;
  upstream: { scheme: 'http' | 'https'; host?: string; ipv6?: boolean; container?: string; port: number };
  ssl: boolean;
  forceSsl: boolean;
  http2: boolean;
  websockets: boolean;
  clientMaxBodySizeMb: number;
  headers: {
    hsts: boolean;
    hstsMaxAgeSeconds: number;
    hstsIncludeSubdomains: boolean;
    xFrameOptions: 'DENY' | 'SAMEORIGIN' | null;
    xContentTypeOptions: boolean;
    xXssProtection: boolean;
    contentSecurityPolicy: string | null;
  };
  rateLimits: { requests: number; per: 'second' | 'minute'; burst: number }[];
  ipRules: { cidr: string; allow: boolean }[];
  certificate?: { certificatePem: string; privateKeyPem: string };
}

// The ranges of packages/protocol/src/api/proxies.ts, which the wire's uint32 cannot carry.
const MAX_BODY_SIZE_MB = 10_240;
const MAX_HSTS_MAX_AGE = 63_072_000;
const MAX_RATE_LIMITS = 5;
const MAX_RATE_REQUESTS = 100_000;
const MAX_BURST = 100_000;
const MAX_IP_RULES = 200;
// The PEM limits of CertificateUploadSchema.
const MAX_CERTIFICATE_PEM = 65_536;
const MAX_PRIVATE_KEY_PEM = 16_384;
// nginx reads one config token into a 4096-byte buffer and refuses a token that fills it,
// so a quoted header value (quotes and escapes included) must stay below that.
const MAX_NGINX_TOKEN_BYTES = 4095;
const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PEM_TEXT = /^[\x20-\x7e\r\n\t]*$/;
const PRIVATE_KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

function invalid(field: string, problem: string): CommandFailure {
  return new CommandFailure('invalid_argument', `${field} ${problem}`);
}

function integerIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(field, `must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(value: string, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${allowed.map((item) => `"${item}"`).join(', ')}, got "${value.slice(0, 40)}"`);
  }
  return value as T;
}

function validUpstream(spec: ProxyHostSpec): ValidatedProxyHost['upstream'] {
  const upstream = spec.upstream;
  if (!upstream) throw invalid('upstream', 'is required');
  const scheme = oneOf(upstream.scheme, 'upstream.scheme', ['http', 'https'] as const);
  const port = integerIn(upstream.port, 'upstream.port', 1, 65_535);
  if ((upstream.host === '') === (upstream.container === '')) throw invalid('upstream', 'must name exactly one of host and container');
  if (upstream.host !== '') {
    const parsed = parseUpstreamHost(upstream.host);
    if ('problem' in parsed) throw invalid('upstream.host', `"${upstream.host.slice(0, 80)}" ${parsed.problem}`);
    return { scheme, host: parsed.host, ipv6: parsed.ipv6, port };
  }
  const container = ContainerRefSchema.safeParse(upstream.container);
  if (!container.success) throw invalid('upstream.container', `"${upstream.container.slice(0, 80)}": ${container.error.issues[0]?.message}`);
  return { scheme, container: container.data, port };
}

function validContentSecurityPolicy(value: string): string | null {
  if (value === '') return null;
  const parsed = HeaderValueSchema.safeParse(value);
  if (!parsed.success) throw invalid('headers.content_security_policy', parsed.error.issues[0]?.message ?? 'is invalid');
  if (Buffer.byteLength(quoteNginxString(parsed.data)) > MAX_NGINX_TOKEN_BYTES) {
    throw invalid('headers.content_security_policy', `is too long for nginx: quoted and escaped it must stay within ${MAX_NGINX_TOKEN_BYTES} bytes`);
  }
  return parsed.data;
}

function validHeaders(spec: ProxyHostSpec): ValidatedProxyHost['headers'] {
  // proto3 leaves an unset message out: no headers were asked for.
  const headers = spec.headers;
  if (!headers) {
    return { hsts: false, hstsMaxAgeSeconds: 0, hstsIncludeSubdomains: false, xFrameOptions: null, xContentTypeOptions: false, xXssProtection: false, contentSecurityPolicy: null };
  }
  const xFrameOptions = oneOf(headers.xFrameOptions, 'headers.x_frame_options', ['', 'DENY', 'SAMEORIGIN'] as const);
  return {
    hsts: headers.hsts,
    hstsMaxAgeSeconds: integerIn(headers.hstsMaxAgeSeconds, 'headers.hsts_max_age_seconds', 0, MAX_HSTS_MAX_AGE),
    hstsIncludeSubdomains: headers.hstsIncludeSubdomains,
    xFrameOptions: xFrameOptions === '' ? null : xFrameOptions,
    xContentTypeOptions: headers.xContentTypeOptions,
    xXssProtection: headers.xXssProtection,
    contentSecurityPolicy: validContentSecurityPolicy(headers.contentSecurityPolicy),
  };
}

function validRateLimits(spec: ProxyHostSpec): ValidatedProxyHost['rateLimits'] {
  if (spec.rateLimits.length > MAX_RATE_LIMITS) throw invalid('rate_limits', `may hold at most ${MAX_RATE_LIMITS} limits, got ${spec.rateLimits.length}`);
  return spec.rateLimits.map((limit, index) => ({
    requests: integerIn(limit.requests, `rate_limits[${index}].requests`, 1, MAX_RATE_REQUESTS),
    per: oneOf(limit.per, `rate_limits[${index}].per`, ['second', 'minute'] as const),
    burst: integerIn(limit.burst, `rate_limits[${index}].burst`, 0, MAX_BURST),
  }));
}

function validIpRules(spec: ProxyHostSpec): ValidatedProxyHost['ipRules'] {
  if (spec.ipRules.length > MAX_IP_RULES) throw invalid('ip_rules', `may hold at most ${MAX_IP_RULES} rules, got ${spec.ipRules.length}`);
  return spec.ipRules.map((rule, index) => {
    const parsed = parseCidr(rule.cidr);
    if ('problem' in parsed) throw invalid(`ip_rules[${index}].cidr`, `"${rule.cidr.slice(0, 80)}" ${parsed.problem}`);
    return { cidr: parsed.cidr, allow: rule.allow };
  });
}

function validPem(value: string, field: string, max: number, begin: RegExp, what: string): string {
  if (value === '') throw invalid(field, 'is required when ssl is on');
  if (value.length > max) throw invalid(field, `must be at most ${max} characters`);
  if (!PEM_TEXT.test(value)) throw invalid(field, 'must be PEM text (printable ASCII and line breaks)');
  if (!begin.test(value)) throw invalid(field, `must be PEM holding ${what}`);
  return value;
}

function validCertificate(spec: ProxyHostSpec): ValidatedProxyHost['certificate'] {
  if (!spec.ssl) return undefined;
  const certificate = spec.certificate;
  if (!certificate) throw invalid('certificate', 'is required when ssl is on');
  return {
    certificatePem: validPem(certificate.certificatePem, 'certificate.certificate_pem', MAX_CERTIFICATE_PEM, /-----BEGIN CERTIFICATE-----/, 'a certificate ("-----BEGIN CERTIFICATE-----")'),
    privateKeyPem: validPem(certificate.privateKeyPem, 'certificate.private_key_pem', MAX_PRIVATE_KEY_PEM, PRIVATE_KEY_BEGIN, 'a private key ("-----BEGIN ... PRIVATE KEY-----")'),
  };
}

/**
 * Checks a proxy host spec from the control plane with the protocol's grammar and ranges.
 * Throws CommandFailure('invalid_argument') naming the first field that is wrong.
 */
export function validateProxyHostSpec(spec: ProxyHostSpec): ValidatedProxyHost {
  if (!LOWERCASE_UUID.test(spec.id)) throw invalid('id', `must be a lowercase UUID, got "${spec.id.slice(0, 40)}"`);
  const domain = parseDomain(spec.domain);
  if ('problem' in domain) throw invalid('domain', `"${spec.domain.slice(0, 80)}" ${domain.problem}`);
  // Checked in field order, so the message names the first wrong field.
  const upstream = validUpstream(spec);
  const clientMaxBodySizeMb = integerIn(spec.clientMaxBodySizeMb, 'client_max_body_size_mb', 0, MAX_BODY_SIZE_MB);
  const headers = validHeaders(spec);
  const rateLimits = validRateLimits(spec);
  const ipRules = validIpRules(spec);
  const certificate = validCertificate(spec);
  return {
    id: spec.id,
    domain: domain.domain,
    upstream,
    ssl: spec.ssl,
    forceSsl: spec.forceSsl,
    http2: spec.http2,
    websockets: spec.websockets,
    clientMaxBodySizeMb,
    headers,
    rateLimits,
    ipRules,
    ...(certificate ? { certificate } : {}),
  };
}
