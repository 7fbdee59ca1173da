import fastifyCookie from '@fastify/cookie';
import { REFRESH_COOKIE_NAME } from '@infrapilot/protocol';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';
import { RefreshCookie } from './refresh-cookie.js';
import { totp } from './totp.js';

const PASSWORD = 'a password long enough';
// Past the window in which a just-rotated token counts as another tab racing, not a replay.
const AFTER_REUSE_GRACE_MS = 11_000;

/** The refresh cookie a reply sets, split into its value and lower-cased attributes; undefined when it sets none. */
function refreshCookieSetBy(response: Response): { value: string; attributes: Map<string, string> } | undefined {
  const header = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${REFRESH_COOKIE_NAME}=`));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';').map((part) => part.trim());
  return {
    value: pair!.slice(REFRESH_COOKIE_NAME.length + 1),
    attributes: new Map(
      attributes.map((attribute) => {
        const [name, ...value] = attribute.split('=');
        return [name!.toLowerCase(), value.join('=')];
      }),
    ),
  };
}

/** True when the reply tells the browser to forget the refresh cookie. */
function clearsRefreshCookie(response: Response): boolean {
  const cookie = refreshCookieSetBy(response);
  if (!cookie) return false;
  const expires = cookie.attributes.get('expires');
  return cookie.value === '' && (cookie.attributes.get('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now()));
}

describeOnBothDialects('refresh cookie', (dialect) => {
  let server: TestServer;
  let sequence = 0;

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const newPerson = async () => {
    const email = `cookie-${sequence++}@example.com`;
    await server.admin.users.create({ email, password: PASSWORD, role: 'viewer' });
    return email;
  };

  /** A POST to an auth route as a browser would send it: the cookie, maybe a JSON body, maybe a bearer. */
  const post = (path: string, options: { body?: unknown; cookie?: string; accessToken?: string } = {}) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.cookie !== undefined) headers.cookie = `${REFRESH_COOKIE_NAME}=${options.cookie}`;
    if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`;
    return fetch(`${server.baseUrl}/api/v1/auth/${path}`, {
      method: 'POST',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  };

  const cookieLogin = async (email: string) => {
    const response = await post('login', { body: { email, password: PASSWORD, refreshTokenDelivery: 'cookie' } });
    expect(response.status).toBe(200);
    const cookie = refreshCookieSetBy(response);
    if (!cookie) throw new Error('the cookie login set no refresh cookie');
    return { body: (await response.json()) as Record<string, unknown>, cookie };
  };

  const me = (accessToken: string) => fetch(`${server.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('delivers the refresh token of a cookie login only as an httpOnly, SameSite=Strict cookie scoped to /api/v1/auth', async () => {
    const email = await newPerson();
    const { body, cookie } = await cookieLogin(email);

    expect(body).toMatchObject({ mfaRequired: false, tokenType: 'Bearer', accessToken: expect.any(String) });
    expect(body).not.toHaveProperty('refreshToken');
    expect(cookie.value).not.toBe('');
    expect(cookie.attributes.has('httponly')).toBe(true);
    expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('strict');
    expect(cookie.attributes.get('path')).toBe('/api/v1/auth');
    expect(Number(cookie.attributes.get('max-age'))).toBeGreaterThan(0);
    // The test server's public URL is http://: a Secure cookie would never come back.
    expect(cookie.attributes.has('secure')).toBe(false);
    expect((await me(body.accessToken as string)).status).toBe(200);
  });

  it('refreshes from the cookie alone, with no body or an empty one, and rotates the cookie each time', async () => {
    const email = await newPerson();
    const { cookie: first } = await cookieLogin(email);

    const withoutBody = await post('refresh', { cookie: first.value });
    expect(withoutBody.status).toBe(200);
    const tokens = (await withoutBody.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });
    expect(tokens).not.toHaveProperty('refreshToken');
    const second = refreshCookieSetBy(withoutBody);
    expect(second?.value).toBeTruthy();
    expect(second?.value).not.toBe(first.value);
    expect(second?.attributes.get('path')).toBe('/api/v1/auth');
    expect(second?.attributes.has('httponly')).toBe(true);
    expect((await me(tokens.accessToken as string)).status).toBe(200);

    const withEmptyBody = await post('refresh', { cookie: second!.value, body: {} });
    expect(withEmptyBody.status).toBe(200);
    const third = refreshCookieSetBy(withEmptyBody);
    expect(third?.value).toBeTruthy();
    expect(new Set([first.value, second!.value, third!.value]).size).toBe(3);
  });

  it('refuses an old cookie replayed after the grace, clears it, and ends the session', async () => {
    const email = await newPerson();
    const { cookie: original } = await cookieLogin(email);
    const rotated = refreshCookieSetBy(await post('refresh', { cookie: original.value }))!;

    server.clock.advance(AFTER_REUSE_GRACE_MS);
    const replay = await post('refresh', { cookie: original.value });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    expect(clearsRefreshCookie(replay)).toBe(true);

    // A replay means the token was copied: the rotated one dies with the session.
    const afterReplay = await post('refresh', { cookie: rotated.value });
    expect(afterReplay.status).toBe(401);
    expect(clearsRefreshCookie(afterReplay)).toBe(true);
  });

  it('keeps the cookie when another tab has just rotated it (a race, not a replay)', async () => {
    const email = await newPerson();
    const { cookie: shared } = await cookieLogin(email);
    const winner = await post('refresh', { cookie: shared.value });
    expect(winner.status).toBe(200);

    const loser = await post('refresh', { cookie: shared.value });
    expect(loser.status).toBe(401);
    expect(refreshCookieSetBy(loser)).toBeUndefined();
    expect((await post('refresh', { cookie: refreshCookieSetBy(winner)!.value })).status).toBe(200);
  });

  it('ends the session on logout with the cookie and clears it', async () => {
    const email = await newPerson();
    const { body, cookie } = await cookieLogin(email);

    const logout = await post('logout', { cookie: cookie.value, accessToken: body.accessToken as string });
    expect(logout.status).toBe(200);
    expect(await logout.json()).toEqual({ ok: true });
    expect(clearsRefreshCookie(logout)).toBe(true);

    expect((await post('refresh', { cookie: cookie.value })).status).toBe(401);
    expect((await me(body.accessToken as string)).status).toBe(401);
  });

  it('sets the cookie when a sign-in finishes with an MFA code', async () => {
    const email = await newPerson();
    const client = await server.signIn(email, PASSWORD);
    const { secret } = await client.auth.setupMfa();
    await client.auth.enableMfa(totp.codeAt(secret, server.clock.now()));
    // A later TOTP step, so the code is not a replay of the one that enabled MFA.
    server.clock.advance(30_000);

    const login = await post('login', { body: { email, password: PASSWORD, refreshTokenDelivery: 'cookie' } });
    const step = (await login.json()) as { mfaRequired: boolean; mfaToken: string };
    expect(step.mfaRequired).toBe(true);
    expect(refreshCookieSetBy(login)).toBeUndefined();

    const verify = await post('mfa/verify', { body: { mfaToken: step.mfaToken, code: totp.codeAt(secret, server.clock.now()), refreshTokenDelivery: 'cookie' } });
    expect(verify.status).toBe(200);
    const tokens = (await verify.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ accessToken: expect.any(String) });
    expect(tokens).not.toHaveProperty('refreshToken');
    const cookie = refreshCookieSetBy(verify);
    expect(cookie?.attributes.has('httponly')).toBe(true);
    expect(cookie?.attributes.get('path')).toBe('/api/v1/auth');
    expect((await post('refresh', { cookie: cookie!.value })).status).toBe(200);
  });

  it('keeps delivering the refresh token in the body, with no cookie, to the CLI', async () => {
    const email = await newPerson();
    const login = await post('login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const tokens = (await login.json()) as { refreshToken?: string };
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(login.headers.getSetCookie()).toEqual([]);

    const refresh = await post('refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(refresh.status).toBe(200);
    const rotated = (await refresh.json()) as { refreshToken?: string };
    expect(rotated.refreshToken).toEqual(expect.any(String));
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    expect(refresh.headers.getSetCookie()).toEqual([]);
  });

  it('answers a refresh with neither a body token nor a cookie with 401 and what to do', async () => {
    for (const body of [undefined, {}]) {
      const response = await post('refresh', body === undefined ? {} : { body });
      expect(response.status).toBe(401);
      const reply = (await response.json()) as { error: { code: string; message: string } };
      expect(reply.error).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/sign in again/i) });
    }
  });
});

describe('refresh cookie over https', () => {
  const app = Fastify();

  beforeAll(async () => {
    await app.register(fastifyCookie);
    const cookie = new RefreshCookie(true);
    app.post('/login', (_request, response) => cookie.deliver(response, { accessToken: 'access', refreshToken: 'refresh', tokenType: 'Bearer', expiresIn: 900 }, 'cookie'));
    app.post('/logout', (_request, response) => {
      cookie.clear(response);
      return { ok: true };
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('marks the cookie Secure when the public URL is https, on setting and on clearing it', async () => {
    for (const url of ['/login', '/logout']) {
      const reply = await app.inject({ method: 'POST', url });
      const setCookie = [reply.headers['set-cookie'] ?? []].flat();
      expect(setCookie.find((cookie) => cookie.startsWith(`${REFRESH_COOKIE_NAME}=`))).toMatch(/;\s*Secure(;|$)/i);
    }
  });
});
