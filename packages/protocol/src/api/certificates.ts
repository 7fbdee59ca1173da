import { z } from 'zod';
import { IdSchema, PaginationQuerySchema, TimestampSchema } from './common.js';
import { CertificateSourceSchema, CertificateStatusSchema } from './proxies.js';
import { DomainSchema } from './proxy-grammar.js';

/** A TLS certificate of the org: issued by an ACME CA, uploaded, or self-signed. Private keys never leave the server in a reply. */
export const CertificateSchema = z.object({
  id: IdSchema,
  name: z.string(),
  domains: z.array(z.string()),
  source: CertificateSourceSchema,
  status: CertificateStatusSchema.describe('pending: an ACME order is running; failed: lastError says why'),
  issuer: z.string().nullable(),
  serialNumber: z.string().nullable(),
  notBefore: TimestampSchema.nullable(),
  expiresAt: TimestampSchema.nullable(),
  daysLeft: z.number().int().nullable(),
  autoRenew: z.boolean().describe('ACME certificates renew 30 days before they expire'),
  acmeDirectoryUrl: z.string().nullable(),
  agentId: IdSchema.nullable().describe('For ACME: the host whose proxy answers the HTTP-01 challenge'),
  lastError: z.string().nullable(),
  proxyHosts: z.array(z.object({ id: IdSchema, domain: z.string(), agentId: IdSchema, agentName: z.string() })),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
});
export type Certificate = z.infer<typeof CertificateSchema>;

export const CertificateListQuerySchema = PaginationQuerySchema;

const PemSchema = (what: string, max: number) =>
  z
    .string()
    .max(max, `${what} must be at most ${max} characters`)
    .regex(/^[\x20-\x7e\r\n\t]*$/, `${what} must be PEM text`)
    .refine((value) => value.includes('-----BEGIN '), `${what} must be PEM ("-----BEGIN ...")`);

/** POST /certificates: a certificate (with its chain) and its private key, in PEM. */
export const CertificateUploadSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional().describe('Defaults to the first domain'),
  certificatePem: PemSchema('certificatePem', 65_536).describe('The leaf certificate, followed by its chain'),
  privateKeyPem: PemSchema('privateKeyPem', 16_384),
});
export type CertificateUpload = z.output<typeof CertificateUploadSchema>;

/** POST /certificates/self-signed. */
export const SelfSignedCertificateRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  domains: z.array(DomainSchema).min(1).max(50),
  days: z.number().int().min(1).max(3650).default(365),
});
export type SelfSignedCertificateRequest = z.output<typeof SelfSignedCertificateRequestSchema>;

/** GET /certificates/acme: the ACME CA this server issues from (server configuration). */
export const AcmeSettingsSchema = z.object({
  directoryUrl: z.string(),
  preset: z.enum(['letsencrypt', 'letsencrypt-staging', 'custom']),
  renewBeforeDays: z.number().int(),
});
export type AcmeSettings = z.infer<typeof AcmeSettingsSchema>;
