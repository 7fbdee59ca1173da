import { z } from 'zod';
import { IdSchema, TimestampSchema } from './common.js';

/** A slug: what appears in URLs and the X-InfraPilot-Org header. */
export const SlugSchema = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'Use lower-case letters, digits and inner hyphens');

export const OrgNameSchema = z.string().trim().min(1).max(100);

export const OrgCreateSchema = z.strictObject({
  name: OrgNameSchema,
  slug: SlugSchema.optional().describe('Derived from the name when omitted'),
});
export type OrgCreate = z.infer<typeof OrgCreateSchema>;

export const OrgUpdateSchema = z.strictObject({ name: OrgNameSchema });
export type OrgUpdate = z.infer<typeof OrgUpdateSchema>;

export const OrgSchema = z.object({
  id: IdSchema,
  name: z.string(),
  slug: z.string(),
  createdAt: TimestampSchema,
});
export type Org = z.infer<typeof OrgSchema>;
