import { z } from 'zod';
import { IdSchema, PaginationQuerySchema, TimestampSchema } from './common.js';
import { ContainerRefSchema } from './containers.js';
import { CidrSchema, DomainSchema, HeaderValueSchema, PortNumberSchema, UpstreamHostSchema } from './proxy-grammar.js';

export const UpstreamSchemeSchema = z.enum(['http', 'https']).default('http').describe('How nginx talks to the upstream');

/** Where a proxy host forwards to: an address and port, or a container's port on the same host. */
export const ProxyUpstreamSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('address'),
    scheme: UpstreamSchemeSchema,
    host: UpstreamHostSchema,
    port: PortNumberSchema,
  }),
  z.strictObject({
    kind: z.literal('container'),
    scheme: UpstreamSchemeSchema,
    container: ContainerRefSchema.describe("The container's name (or id) on the proxy's host"),
    port: PortNumberSchema.describe("The container's own port; the agent uses its published port, else the container's IP"),
  }),
]);
export type ProxyUpstream = z.output<typeof ProxyUpstreamSchema>;

export const X_FRAME_OPTIONS = ['DENY', 'SAMEORIGIN'] as const;

export const SecurityHeadersSchema = z.strictObject({
  hsts: z.boolean().default(true).describe('Strict-Transport-Security (sent over HTTPS only)'),
  hstsMaxAgeSeconds: z.number().int().min(0).max(63_072_000, 'at most two years (63072000)').default(31_536_000),
  hstsIncludeSubdomains: z.boolean().default(false),
  xFrameOptions: z.enum(X_FRAME_OPTIONS).nullable().default('SAMEORIGIN').describe('null sends no X-Frame-Options'),
  xContentTypeOptions: z.boolean().default(true).describe('X-Content-Type-Options: nosniff'),
  xXssProtection: z.boolean().default(true).describe('X-XSS-Protection: 1; mode=block'),
  contentSecurityPolicy: HeaderValueSchema.nullable().default(null),
});
export type SecurityHeaders = z.output<typeof SecurityHeadersSchema>;

export const RATE_LIMIT_PERIODS = ['second', 'minute'] as const;

/** A limit per client IP; over it nginx answers 429. */
export const RateLimitSchema = z.strictObject({
  requests: z.number().int().min(1).max(100_000),
  per: z.enum(RATE_LIMIT_PERIODS),
  burst: z.number().int().min(0).max(100_000).default(50).describe('Requests over the rate that are queued before 429s start'),
  enabled: z.boolean().default(true),
});
export type RateLimit = z.output<typeof RateLimitSchema>;

/** Allow or deny a client address or block; rules apply by ascending priority, then in the order given. */
export const IpRuleSchema = z.strictObject({
  cidr: CidrSchema,
  action: z.enum(['allow', 'deny']),
  priority: z.number().int().min(-10_000).max(10_000).default(0),
});
export type IpRule = z.output<typeof IpRuleSchema>;

/** What a user gives to create or (PUT, as a whole) update a proxy host. */
export const ProxyHostInputSchema = z.strictObject({
  domain: DomainSchema,
  upstream: ProxyUpstreamSchema,
  certificateId: IdSchema.nullable().default(null).describe('A valid certificate covering the domain serves HTTPS; null serves HTTP only'),
  forceSsl: z.boolean().default(true).describe('Redirect HTTP to HTTPS (301) while a certificate is attached'),
  http2: z.boolean().default(true),
  websockets: z.boolean().default(true).describe('Pass Upgrade/Connection headers through'),
  clientMaxBodySizeMb: z.number().int().min(0).max(10_240).default(100).describe('Largest request body in MiB; 0 for no limit'),
  securityHeaders: SecurityHeadersSchema.prefault({}),
  rateLimits: z.array(RateLimitSchema).max(5, 'at most 5 rate limits').default(() => []),
  ipRules: z.array(IpRuleSchema).max(200, 'at most 200 IP rules').default(() => []),
});
export type ProxyHostInput = z.output<typeof ProxyHostInputSchema>;
/** The JSON a client sends (defaults not yet applied). */
export type ProxyHostInputBody = z.input<typeof ProxyHostInputSchema>;

export const ProxyHostStatusSchema = z.enum(['active', 'error', 'drift']);
export type ProxyHostStatus = z.infer<typeof ProxyHostStatusSchema>;

export const CertificateSourceSchema = z.enum(['acme', 'uploaded', 'self_signed']);
export type CertificateSource = z.infer<typeof CertificateSourceSchema>;
export const CertificateStatusSchema = z.enum(['pending', 'valid', 'failed']);
export type CertificateStatus = z.infer<typeof CertificateStatusSchema>;

/** A certificate as a proxy host shows it. */
export const CertificateSummarySchema = z.object({
  id: IdSchema,
  name: z.string(),
  source: CertificateSourceSchema,
  status: CertificateStatusSchema,
  expiresAt: TimestampSchema.nullable(),
  lastError: z.string().nullable(),
});
export type CertificateSummary = z.infer<typeof CertificateSummarySchema>;

export const ProxyDriftSchema = z.object({
  reason: z.enum(['modified', 'missing']).describe('The managed file was edited by hand, or removed'),
  path: z.string(),
  detectedAt: TimestampSchema,
});

/** A proxy host. */
export const ProxyHostSchema = z.object({
  id: IdSchema,
  agentId: IdSchema,
  agentName: z.string(),
  domain: z.string(),
  upstream: ProxyUpstreamSchema,
  certificateId: IdSchema.nullable(),
  forceSsl: z.boolean(),
  http2: z.boolean(),
  websockets: z.boolean(),
  clientMaxBodySizeMb: z.number().int(),
  securityHeaders: SecurityHeadersSchema,
  rateLimits: z.array(RateLimitSchema),
  ipRules: z.array(IpRuleSchema),
  sslEnabled: z.boolean().describe('HTTPS is served: a valid certificate is attached and deployed'),
  sslExpiresAt: TimestampSchema.nullable(),
  certificate: CertificateSummarySchema.nullable(),
  status: ProxyHostStatusSchema.describe('error: the last apply failed (lastError says why); drift: the file on the host differs'),
  lastError: z.string().nullable(),
  drift: ProxyDriftSchema.nullable(),
  configHash: z.string().nullable().describe('SHA-256 of the managed file as last written'),
  configPath: z.string().nullable(),
  upstreamAddress: z.string().nullable().describe('What the upstream resolved to when last applied, e.g. 172.17.0.3:8080'),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type ProxyHost = z.infer<typeof ProxyHostSchema>;

export const ProxyHostListQuerySchema = PaginationQuerySchema.extend({
  agentId: IdSchema.optional().describe('Only this host'),
});

/** Path of a route about one proxy host of one agent. */
export const ProxyParamsSchema = z.strictObject({ id: IdSchema.describe('The host (agent) id'), pid: IdSchema.describe('The proxy host id') });

/** GET .../config: the file as rendered now, and how it compares with the one on the host. */
export const ProxyConfigSchema = z.object({
  config: z.string(),
  configHash: z.string(),
  path: z.string(),
  storedHash: z.string().nullable().describe('What was last written'),
  liveHash: z.string().nullable().describe('What the host reported at its last heartbeat; null when the file is missing'),
  drift: z.boolean(),
});
export type ProxyConfig = z.infer<typeof ProxyConfigSchema>;

/** POST .../test: nginx -t with this host's file in place (the saved settings, or a candidate in the body). Nothing goes live. */
export const ProxyTestResultSchema = z.object({
  ok: z.boolean(),
  output: z.string().describe("What nginx -t printed"),
  config: z.string(),
});
export type ProxyTestResult = z.infer<typeof ProxyTestResultSchema>;

/** POST .../ssl: where the certificate comes from. */
export const ProxySslRequestSchema = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('acme').describe('Issue one from the ACME CA (HTTP-01 through this proxy)') }),
  z.strictObject({ source: z.literal('self_signed'), days: z.number().int().min(1).max(3650).default(365) }),
  z.strictObject({ source: z.literal('existing'), certificateId: IdSchema }),
]);
export type ProxySslRequest = z.output<typeof ProxySslRequestSchema>;

/** The reverse proxy on one host, as its agent last reported it. */
export const ProxyServerSchema = z.object({
  agentId: IdSchema,
  agentName: z.string(),
  available: z.boolean(),
  problem: z.string().nullable(),
  server: z.string().nullable(),
  version: z.string().nullable(),
  running: z.boolean(),
  configDirectory: z.string().nullable(),
  httpPort: z.number().int().nullable(),
  httpsPort: z.number().int().nullable(),
  reportedAt: TimestampSchema,
});
export type ProxyServer = z.infer<typeof ProxyServerSchema>;

/** DELETE /agents/:id/proxies/:pid query. */
export const ProxyRemoveQuerySchema = z.strictObject({
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe("Delete the proxy host even when its host's agent is offline or its nginx unavailable; the agent removes the file when it reports it again"),
});

/** A proxy host's saved settings as the body that would save them again (a PUT that changes nothing). */
export function proxyHostInputOf(host: ProxyHost): ProxyHostInput {
  return {
    domain: host.domain,
    upstream: host.upstream,
    certificateId: host.certificateId,
    forceSsl: host.forceSsl,
    http2: host.http2,
    websockets: host.websockets,
    clientMaxBodySizeMb: host.clientMaxBodySizeMb,
    securityHeaders: host.securityHeaders,
    rateLimits: host.rateLimits,
    ipRules: host.ipRules,
  };
}
