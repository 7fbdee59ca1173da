import { z } from 'zod';
import { EmailSchema, RoleSchema } from './common.js';

export const MemberAddSchema = z.strictObject({
  email: EmailSchema.describe('An existing user; create new people with POST /users'),
  role: RoleSchema,
});
export type MemberAdd = z.infer<typeof MemberAddSchema>;

export const MemberUpdateSchema = z.strictObject({ role: RoleSchema });
export type MemberUpdate = z.infer<typeof MemberUpdateSchema>;
