import { z } from 'zod';
import { EmailSchema, IdSchema, NewPasswordSchema, RoleSchema, TimestampSchema } from './common.js';

/** A six-digit TOTP code, or a recovery code like `ABCDE-FGHIJ`. */
export const MfaCodeSchema = z
  .string()
  .trim()
  .min(6)
  .max(32)
  .regex(/^[0-9A-Za-z-]+$/, 'A code is 6 digits or a recovery code');

/**
 * How the refresh token travels: in the reply body (CLI, scripts) or as an httpOnly
 * SameSite cookie that page scripts cannot read (the web app).
 */
export const RefreshTokenDeliverySchema = z.enum(['body', 'cookie']).describe('Default: body');
export type RefreshTokenDelivery = z.infer<typeof RefreshTokenDeliverySchema>;

/** The cookie the web app's refresh token lives in (httpOnly, SameSite=Strict, path /api/v1/auth). */
export const REFRESH_COOKIE_NAME = 'infrapilot_refresh';
/**
 * A cookie pages can read that says only "a refresh cookie was set": the web app skips
 * its sign-in refresh (and a 401 in the console) when it is absent. It holds no secret.
 */
export const SESSION_HINT_COOKIE_NAME = 'infrapilot_session';

export const LoginSchema = z.strictObject({
  email: EmailSchema,
  password: z.string().min(1).max(256),
  refreshTokenDelivery: RefreshTokenDeliverySchema.optional(),
});
export type Login = z.infer<typeof LoginSchema>;

/** Access and refresh tokens handed out by login, MFA verification and refresh. */
export const TokensSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string().optional().describe('Absent when delivered as the httpOnly cookie'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
});
export type Tokens = z.infer<typeof TokensSchema>;

/** Login answers either tokens, or a request for the second factor. */
export const LoginReplySchema = z.union([
  TokensSchema.extend({ mfaRequired: z.literal(false) }),
  z.object({ mfaRequired: z.literal(true), mfaToken: z.string() }),
]);
export type LoginReply = z.infer<typeof LoginReplySchema>;

export const MfaVerifySchema = z.strictObject({
  mfaToken: z.string().min(1).max(4096),
  code: MfaCodeSchema,
  refreshTokenDelivery: RefreshTokenDeliverySchema.optional(),
});
export type MfaVerify = z.infer<typeof MfaVerifySchema>;

export const MfaSetupReplySchema = z.object({
  secret: z.string().describe('Base32 TOTP secret'),
  otpauthUri: z.string().describe('otpauth:// URI to show as a QR code'),
});
export type MfaSetupReply = z.infer<typeof MfaSetupReplySchema>;

export const MfaCodeBodySchema = z.strictObject({ code: MfaCodeSchema });
export type MfaCodeBody = z.infer<typeof MfaCodeBodySchema>;

export const MfaEnableReplySchema = z.object({
  recoveryCodes: z.array(z.string()).length(10).describe('Shown once; each works once'),
});
export type MfaEnableReply = z.infer<typeof MfaEnableReplySchema>;

/** Without `refreshToken`, the cookie's token is used and the new one goes back in the cookie. */
export const RefreshSchema = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() });
export type Refresh = z.infer<typeof RefreshSchema>;

export const LogoutSchema = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() });
export type Logout = z.infer<typeof LogoutSchema>;

export const PasswordChangeSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: NewPasswordSchema,
});
export type PasswordChange = z.infer<typeof PasswordChangeSchema>;

/** One org the caller belongs to, with the caller's role in it. */
export const MyOrgSchema = z.object({
  id: IdSchema,
  name: z.string(),
  slug: z.string(),
  role: RoleSchema,
});
export type MyOrg = z.infer<typeof MyOrgSchema>;

/** Who the caller is: a user (through a token) or an API key. */
export const MeSchema = z.object({
  kind: z.enum(['user', 'api_key']),
  user: z
    .object({
      id: IdSchema,
      email: z.string(),
      name: z.string(),
      mfaEnabled: z.boolean(),
      createdAt: TimestampSchema,
      lastLoginAt: TimestampSchema.nullable(),
    })
    .nullable(),
  apiKey: z.object({ id: IdSchema, name: z.string(), prefix: z.string() }).nullable(),
  org: MyOrgSchema.nullable().describe('The org this request acts in; null for a person in no org yet'),
  orgs: z.array(MyOrgSchema),
});
export type Me = z.infer<typeof MeSchema>;

/** One signed-in session of the caller. */
export const SessionSchema = z.object({
  id: IdSchema,
  createdAt: TimestampSchema,
  lastUsedAt: TimestampSchema,
  expiresAt: TimestampSchema,
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean().describe('The session this request was made with'),
});
export type Session = z.infer<typeof SessionSchema>;
