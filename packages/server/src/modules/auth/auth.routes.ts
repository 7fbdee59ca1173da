import {
  LoginReplySchema,
  LoginSchema,
  LogoutSchema,
  MeSchema,
  MfaCodeBodySchema,
  MfaEnableReplySchema,
  MfaSetupReplySchema,
  MfaVerifySchema,
  OkSchema,
  PasswordChangeSchema,
  IdParamsSchema,
  RefreshSchema,
  SessionSchema,
  TokensSchema,
} from '@infrapilot/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UnauthenticatedError } from '../../errors.js';
import { clientInfoOf } from '../../platform/http/client-info.js';
import { actorOf, identityOf } from '../../platform/http/request-context.js';
import { replies } from '../../platform/http/route-schemas.js';
import { type AuthService, RefreshTokenRacedError } from './auth.service.js';
import type { RefreshCookie } from './refresh-cookie.js';
import type { SessionsService } from './sessions.service.js';

/** /auth: sign-in, MFA, tokens, own password. */
export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService; sessions: SessionsService; refreshCookie: RefreshCookie }> = async (
  app,
  { auth, sessions, refreshCookie },
) => {
  const tags = ['auth'];

  app.post('/auth/login', {
    config: { access: 'public', audit: { action: 'auth.login', resourceType: 'user' } },
    schema: { tags, security: [], summary: 'Sign in with e-mail and password', body: LoginSchema, response: replies({ 200: LoginReplySchema }) },
    handler: async (request, response) => {
      request.auditFacts.actorLabel = request.body.email;
      const reply = await auth.login(request.body, clientInfoOf(request), (userId) => Object.assign(request.auditFacts, { userId, resourceId: userId }));
      if (reply.mfaRequired) return reply;
      return { ...refreshCookie.deliver(response, reply, request.body.refreshTokenDelivery), mfaRequired: false as const };
    },
  });

  app.post('/auth/mfa/verify', {
    config: { access: 'public', audit: { action: 'auth.mfa_verify', resourceType: 'user' } },
    schema: { tags, security: [], summary: 'Finish a sign-in with a TOTP or recovery code', body: MfaVerifySchema, response: replies({ 200: TokensSchema }) },
    handler: async (request, response) => {
      const { tokens, userId } = await auth.verifyMfa(request.body.mfaToken, request.body.code, clientInfoOf(request));
      Object.assign(request.auditFacts, { userId, resourceId: userId });
      return refreshCookie.deliver(response, tokens, request.body.refreshTokenDelivery);
    },
  });

  app.post('/auth/refresh', {
    config: { access: 'public', audit: { action: 'auth.refresh', resourceType: 'session' } },
    schema: {
      tags,
      security: [],
      summary: 'Exchange a refresh token for new tokens (each works once)',
      description: 'Without `refreshToken` in the body, the web app\'s refresh cookie is used and rotated in place.',
      // A POST with no body at all (a cookie-only refresh) reaches validation as null, not undefined.
      body: RefreshSchema.nullish(),
      response: replies({ 200: TokensSchema }),
    },
    handler: async (request, response) => {
      const fromBody = request.body?.refreshToken;
      const presented = fromBody ?? refreshCookie.read(request);
      if (!presented) throw new UnauthenticatedError('Send a refresh token, or sign in again');
      try {
        const { tokens, userId, email } = await auth.refresh(presented);
        Object.assign(request.auditFacts, { userId, resourceId: userId, actorLabel: email });
        return refreshCookie.deliver(response, tokens, fromBody ? 'body' : 'cookie');
      } catch (error) {
        // A dead cookie would be sent again on every page load; drop it (unless another tab just rotated it).
        if (!fromBody && error instanceof UnauthenticatedError && !(error instanceof RefreshTokenRacedError)) refreshCookie.clear(response);
        throw error;
      }
    },
  });

  app.post('/auth/logout', {
    config: { access: 'authenticated', audit: { action: 'auth.logout', resourceType: 'session' } },
    schema: { tags, summary: 'End the current session', body: LogoutSchema.nullish(), response: replies({ 200: OkSchema }) },
    handler: async (request, response) => {
      await auth.logout(identityOf(request), request.body?.refreshToken ?? refreshCookie.read(request));
      refreshCookie.clear(response);
      return { ok: true as const };
    },
  });

  app.get('/auth/me', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'Who am I, and in which org does this request act', response: replies({ 200: MeSchema }) },
    handler: async (request) => auth.me(identityOf(request), request.org),
  });

  app.post('/auth/mfa/setup', {
    config: { access: 'authenticated', audit: { action: 'auth.mfa_setup', resourceType: 'user' } },
    schema: { tags, summary: 'Start MFA enrolment: a new TOTP secret, not active until confirmed', response: replies({ 200: MfaSetupReplySchema }) },
    handler: async (request) => auth.setupMfa(identityOf(request)),
  });

  app.post('/auth/mfa/enable', {
    config: { access: 'authenticated', audit: { action: 'auth.mfa_enable', resourceType: 'user' } },
    schema: { tags, summary: 'Confirm MFA with a first valid code; returns 10 recovery codes once', body: MfaCodeBodySchema, response: replies({ 200: MfaEnableReplySchema }) },
    handler: async (request) => auth.enableMfa(identityOf(request), request.body.code),
  });

  app.post('/auth/mfa/disable', {
    config: { access: 'authenticated', audit: { action: 'auth.mfa_disable', resourceType: 'user' } },
    schema: { tags, summary: 'Turn MFA off; needs a valid TOTP or recovery code', body: MfaCodeBodySchema, response: replies({ 200: OkSchema }) },
    handler: async (request) => {
      await auth.disableMfa(identityOf(request), request.body.code);
      return { ok: true as const };
    },
  });

  app.post('/auth/password', {
    config: { access: 'authenticated', audit: { action: 'auth.password_change', resourceType: 'user' } },
    schema: {
      tags,
      summary: 'Change your own password; signs out your other sessions',
      body: PasswordChangeSchema,
      response: replies({ 200: z.object({ ok: z.literal(true), revokedSessions: z.number().int() }) }),
    },
    handler: async (request) => ({ ok: true as const, ...(await auth.changePassword(identityOf(request), request.body)) }),
  });

  app.get('/auth/sessions', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'Your signed-in sessions (where, since when)', response: replies({ 200: z.object({ items: z.array(SessionSchema), nextCursor: z.null() }) }) },
    handler: async (request) => ({ items: await sessions.listSessions(identityOf(request)), nextCursor: null }),
  });

  app.delete('/auth/sessions/:id', {
    config: { access: 'authenticated', audit: { action: 'auth.session_end', resourceType: 'session' } },
    schema: { tags, summary: 'Sign out one of your sessions (another device)', params: IdParamsSchema, response: replies({ 200: OkSchema }) },
    handler: async (request) => {
      await sessions.endSession(identityOf(request), request.params.id);
      return { ok: true as const };
    },
  });

  app.post('/users/:id/mfa/reset', {
    config: { access: 'users:manage', audit: { action: 'user.mfa_reset', resourceType: 'user' } },
    schema: { tags: ['users'], summary: 'Turn MFA off for someone who lost their device', params: IdParamsSchema, response: replies({ 200: OkSchema }) },
    handler: async (request) => {
      await auth.resetMfaFor(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  });
};
