import { z } from 'zod';
import { EmailSchema, IdSchema, NewPasswordSchema, RoleSchema, TimestampSchema } from './common.js';

export const UserNameSchema = z.string().trim().min(1).max(100);

export const UserCreateSchema = z.strictObject({
  email: EmailSchema,
  name: UserNameSchema.optional(),
  password: NewPasswordSchema.optional().describe('Generated and returned once when omitted'),
  role: RoleSchema,
});
export type UserCreate = z.infer<typeof UserCreateSchema>;

/** A user as seen from one org: the account and the role it holds there. */
export const UserSchema = z.object({
  id: IdSchema,
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  mfaEnabled: z.boolean(),
  createdAt: TimestampSchema,
  lastLoginAt: TimestampSchema.nullable(),
});
export type User = z.infer<typeof UserSchema>;

export const UserCreatedSchema = z.object({
  user: UserSchema,
  initialPassword: z.string().nullable().describe('Only when the password was generated; shown once'),
});
export type UserCreated = z.infer<typeof UserCreatedSchema>;

export const UserIdParamsSchema = z.strictObject({ userId: IdSchema });

export const PasswordResetSchema = z.strictObject({
  password: NewPasswordSchema.optional().describe('Generated and returned once when omitted'),
});
export type PasswordReset = z.infer<typeof PasswordResetSchema>;

export const PasswordResetReplySchema = z.object({
  ok: z.literal(true),
  initialPassword: z.string().nullable().describe('Only when the password was generated; shown once'),
  revokedSessions: z.number().int(),
});
export type PasswordResetReply = z.infer<typeof PasswordResetReplySchema>;
