import { REFRESH_COOKIE_NAME, type RefreshTokenDelivery, SESSION_HINT_COOKIE_NAME, type Tokens } from '@infrapilot/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Where the web app's refresh cookie is sent: only to the auth routes, never to the rest of the API. */
const COOKIE_PATH = '/api/v1/auth';
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;

/**
 * The web app's refresh token lives in an httpOnly, SameSite=Strict cookie so a script
 * injected into the page cannot read it and another site cannot make the browser send it.
 */
export class RefreshCookie {
  /** Secure only over https: a homelab on http://localhost must still be able to sign in. */
  constructor(private readonly secure: boolean) {}

  /** The refresh token the browser sent, if any. */
  read(request: FastifyRequest): string | undefined {
    const value = request.cookies[REFRESH_COOKIE_NAME];
    return value && value.length <= 512 ? value : undefined;
  }

  /** Hands tokens out the way the caller asked: all in the body, or the refresh token as the cookie. */
  deliver(response: FastifyReply, tokens: Tokens, delivery: RefreshTokenDelivery | undefined): Tokens {
    if (delivery !== 'cookie' || !tokens.refreshToken) return tokens;
    response.setCookie(REFRESH_COOKIE_NAME, tokens.refreshToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: COOKIE_PATH,
      maxAge: COOKIE_MAX_AGE_SECONDS,
    });
    response.setCookie(SESSION_HINT_COOKIE_NAME, '1', { sameSite: 'strict', secure: this.secure, path: '/', maxAge: COOKIE_MAX_AGE_SECONDS });
    const { refreshToken: _delivered, ...rest } = tokens;
    return rest;
  }

  clear(response: FastifyReply): void {
    response.clearCookie(REFRESH_COOKIE_NAME, { httpOnly: true, sameSite: 'strict', secure: this.secure, path: COOKIE_PATH });
    response.clearCookie(SESSION_HINT_COOKIE_NAME, { sameSite: 'strict', secure: this.secure, path: '/' });
  }
}
