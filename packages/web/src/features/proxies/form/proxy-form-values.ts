import {
  type IpRule,
  type ProxyHost,
  type ProxyHostInput,
  type ProxyHostInputBody,
  ProxyHostInputSchema,
  proxyHostInputOf,
  type RateLimit,
  SecurityHeadersSchema,
  type X_FRAME_OPTIONS,
} from '@infrapilot/protocol';
import type { z } from 'zod';

/** Where the certificate comes from: none (HTTP only), one the org has, or a new one issued after saving. */
export type SslChoice = 'none' | 'existing' | 'acme' | 'self_signed';

export interface RateLimitRow {
  /** Stable React key of the row (rows are added and removed). */
  key: number;
  requests: string;
  per: RateLimit['per'];
  burst: string;
  enabled: boolean;
}

export interface IpRuleRow {
  key: number;
  cidr: string;
  action: IpRule['action'];
  priority: string;
}

/** What the form's fields hold: numbers as typed (text), so a half-typed value is never lost. */
export interface ProxyFormValues {
  agentId: string;
  domain: string;
  upstreamKind: 'address' | 'container';
  scheme: 'http' | 'https';
  host: string;
  container: string;
  port: string;
  ssl: SslChoice;
  certificateId: string;
  selfSignedDays: string;
  forceSsl: boolean;
  http2: boolean;
  websockets: boolean;
  clientMaxBodySizeMb: string;
  hsts: boolean;
  hstsMaxAgeSeconds: string;
  hstsIncludeSubdomains: boolean;
  xFrameOptions: (typeof X_FRAME_OPTIONS)[number] | '';
  xContentTypeOptions: boolean;
  xXssProtection: boolean;
  contentSecurityPolicy: string;
  rateLimits: RateLimitRow[];
  ipRules: IpRuleRow[];
}

/**
 * Field errors by the path of the value in the API's body ("domain", "upstream.port",
 * "rateLimits.0.burst"), which is also the path the server's 400 details name, plus the
 * form's own fields ("agentId", "selfSignedDays").
 */
export type FieldErrors = Record<string, string>;

let nextRowKey = 1;
export function newRowKey(): number {
  nextRowKey += 1;
  return nextRowKey;
}

const SHAPE = ProxyHostInputSchema.shape;

/** A new proxy host: the API's own defaults (the schema's), on the given host. */
export function emptyFormValues(agentId: string): ProxyFormValues {
  const headers = SecurityHeadersSchema.parse({});
  return {
    agentId,
    domain: '',
    upstreamKind: 'address',
    scheme: 'http',
    host: '',
    container: '',
    port: '',
    ssl: 'none',
    certificateId: '',
    selfSignedDays: '365',
    forceSsl: SHAPE.forceSsl.parse(undefined),
    http2: SHAPE.http2.parse(undefined),
    websockets: SHAPE.websockets.parse(undefined),
    clientMaxBodySizeMb: String(SHAPE.clientMaxBodySizeMb.parse(undefined)),
    hsts: headers.hsts,
    hstsMaxAgeSeconds: String(headers.hstsMaxAgeSeconds),
    hstsIncludeSubdomains: headers.hstsIncludeSubdomains,
    xFrameOptions: headers.xFrameOptions ?? '',
    xContentTypeOptions: headers.xContentTypeOptions,
    xXssProtection: headers.xXssProtection,
    contentSecurityPolicy: headers.contentSecurityPolicy ?? '',
    rateLimits: [],
    ipRules: [],
  };
}

/** An existing proxy host's settings, as the form edits them. */
export function formValuesOf(host: ProxyHost): ProxyFormValues {
  const { upstream, securityHeaders: headers } = host;
  return {
    ...emptyFormValues(host.agentId),
    domain: host.domain,
    upstreamKind: upstream.kind,
    scheme: upstream.scheme,
    host: upstream.kind === 'address' ? upstream.host : '',
    container: upstream.kind === 'container' ? upstream.container : '',
    port: String(upstream.port),
    ssl: host.certificateId ? 'existing' : 'none',
    certificateId: host.certificateId ?? '',
    forceSsl: host.forceSsl,
    http2: host.http2,
    websockets: host.websockets,
    clientMaxBodySizeMb: String(host.clientMaxBodySizeMb),
    hsts: headers.hsts,
    hstsMaxAgeSeconds: String(headers.hstsMaxAgeSeconds),
    hstsIncludeSubdomains: headers.hstsIncludeSubdomains,
    xFrameOptions: headers.xFrameOptions ?? '',
    xContentTypeOptions: headers.xContentTypeOptions,
    xXssProtection: headers.xXssProtection,
    contentSecurityPolicy: headers.contentSecurityPolicy ?? '',
    rateLimits: host.rateLimits.map((limit) => ({ key: newRowKey(), requests: String(limit.requests), per: limit.per, burst: String(limit.burst), enabled: limit.enabled })),
    ipRules: host.ipRules.map((rule) => ({ key: newRowKey(), cidr: rule.cidr, action: rule.action, priority: String(rule.priority) })),
  };
}

/** A saved proxy host's settings as the body of a PUT that changes nothing (to write its file again); the protocol's proxyHostInputOf. */
export const inputOf: (host: ProxyHost) => ProxyHostInputBody = proxyHostInputOf;

/** A number field's text as a number; anything but a whole number becomes NaN, which the schema refuses with a message. */
function wholeNumber(text: string): number {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** The schema's range messages ("Too small: expected number to be >=1") in plainer words; its own custom messages win. */
const plainMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type' && issue.expected === 'number') return 'Enter a whole number';
  if (issue.code === 'too_small' && issue.origin === 'number') return `Must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `Must be at most ${String(issue.maximum)}`;
  if (issue.code === 'too_big' && issue.origin === 'array') return `At most ${String(issue.maximum)}`;
  return undefined;
};

/** The body PUT or POST sends, before the schema checks it. */
function bodyOf(values: ProxyFormValues, certificateId: string | null): unknown {
  const upstream =
    values.upstreamKind === 'address'
      ? { kind: 'address', scheme: values.scheme, host: values.host.trim(), port: wholeNumber(values.port) }
      : { kind: 'container', scheme: values.scheme, container: values.container, port: wholeNumber(values.port) };
  return {
    domain: values.domain.trim(),
    upstream,
    certificateId,
    forceSsl: values.forceSsl,
    http2: values.http2,
    websockets: values.websockets,
    clientMaxBodySizeMb: wholeNumber(values.clientMaxBodySizeMb),
    securityHeaders: {
      hsts: values.hsts,
      hstsMaxAgeSeconds: wholeNumber(values.hstsMaxAgeSeconds),
      hstsIncludeSubdomains: values.hstsIncludeSubdomains,
      xFrameOptions: values.xFrameOptions === '' ? null : values.xFrameOptions,
      xContentTypeOptions: values.xContentTypeOptions,
      xXssProtection: values.xXssProtection,
      contentSecurityPolicy: values.contentSecurityPolicy === '' ? null : values.contentSecurityPolicy,
    },
    rateLimits: values.rateLimits.map((row) => ({ requests: wholeNumber(row.requests), per: row.per, burst: wholeNumber(row.burst), enabled: row.enabled })),
    ipRules: values.ipRules.map((row) => ({ cidr: row.cidr.trim(), action: row.action, priority: wholeNumber(row.priority) })),
  };
}

/**
 * Checks the form with the API's own schema (the same grammar the server and the agent
 * apply), so a hostile or mistyped value is refused here, under its field, and nothing is
 * sent. `keptCertificateId` is what stays attached while a new certificate is issued.
 */
export function checkProxyForm(values: ProxyFormValues, keptCertificateId: string | null = null): { input: ProxyHostInput } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (!values.agentId) errors.agentId = "Choose the host whose nginx serves this domain";
  if (values.upstreamKind === 'container' && !values.container) errors['upstream.container'] = 'Choose a container';
  if (values.ssl === 'existing' && !values.certificateId) errors.certificateId = 'Choose a certificate, or another SSL option';
  if (values.ssl === 'self_signed') {
    const days = wholeNumber(values.selfSignedDays);
    if (!(days >= 1 && days <= 3650)) errors.selfSignedDays = 'Enter a number of days from 1 to 3650';
  }
  const certificateId = values.ssl === 'existing' ? values.certificateId || null : values.ssl === 'none' ? null : keptCertificateId;
  const parsed = ProxyHostInputSchema.safeParse(bodyOf(values, certificateId), { error: plainMessages });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      errors[path] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { input: parsed.data };
}

/** The server's 400 details name fields as "body.domain": the form's keys are the part after "body.". */
export function fieldErrorsFromDetails(details: ReadonlyArray<{ path: string; message: string }>): FieldErrors {
  const errors: FieldErrors = {};
  for (const detail of details) {
    const path = detail.path.replace(/^body\.?/, '');
    if (path) errors[path] ??= detail.message;
  }
  return errors;
}
