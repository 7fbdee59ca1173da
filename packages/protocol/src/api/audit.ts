import { z } from 'zod';
import { IdSchema, PaginationQuerySchema, TimestampSchema } from './common.js';

export const AuditQuerySchema = PaginationQuerySchema.extend({
  actor: IdSchema.optional().describe('A user id or an API key id'),
  action: z.string().max(100).regex(/^[a-z0-9_.*-]+$/).optional().describe('Exact, or a prefix ending in * like "user.*"'),
  resourceType: z.string().max(100).regex(/^[a-z0-9_-]+$/).optional(),
  resourceId: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditEntrySchema = z.object({
  id: IdSchema,
  orgId: IdSchema.nullable(),
  userId: IdSchema.nullable(),
  apiKeyId: IdSchema.nullable(),
  actorLabel: z.string().nullable().describe('E-mail or key name at the time of the action'),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestBody: z.unknown().nullable().describe('With passwords, tokens, secrets and keys redacted'),
  responseStatus: z.number().int(),
  createdAt: TimestampSchema,
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
