import { z } from 'zod';
import { IdSchema, RoleSchema, TimestampSchema } from './common.js';

/** API keys start with this, so scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'ipk_';

export const ApiKeyCreateSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: RoleSchema.describe('At most the role of the person creating it'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;

export const ApiKeySchema = z.object({
  id: IdSchema,
  name: z.string(),
  prefix: z.string().describe('The first characters of the key, to recognise it'),
  role: RoleSchema,
  createdBy: IdSchema.nullable(),
  createdAt: TimestampSchema,
  lastUsedAt: TimestampSchema.nullable(),
  expiresAt: TimestampSchema.nullable(),
  revokedAt: TimestampSchema.nullable(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyCreatedSchema = z.object({
  apiKey: ApiKeySchema,
  secret: z.string().describe('The whole key; shown once, stored only as a hash'),
});
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;
