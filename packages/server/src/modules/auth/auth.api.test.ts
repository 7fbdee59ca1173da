import { InfraPilotClient } from '@infrapilot/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { ADMIN_EMAIL, startTestServer, type TestServer } from '../../test-helpers/test-server.js';
import { totp } from './totp.js';

const PASSWORD = 'a password long enough';

describeOnBothDialects('auth API', (dialect) => {
  let server: TestServer;
  let sequence = 0;
  const newPerson = async (role: 'viewer' | 'operator' = 'viewer') => {
    const email = `auth-${sequence++}@example.com`;
    const { user } = await server.admin.users.create({ email, password: PASSWORD, role });
    return { email, id: user.id };
  };

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('signs in with the right password and says who you are', async () => {
    const me = await server.admin.auth.me();
    expect(me.kind).toBe('user');
    expect(me.user?.email).toBe(ADMIN_EMAIL);
    expect(me.org).toMatchObject({ slug: 'default', role: 'super_admin' });
  });

  it('answers a wrong password, an unknown user and a disabled user with the same 401', async () => {
    const gone = await newPerson();
    await server.admin.users.disable(gone.id);
    const attempts = [
      { email: ADMIN_EMAIL, password: 'wrong password here' },
      { email: 'nobody@example.com', password: 'wrong password here' },
      { email: gone.email, password: PASSWORD },
    ];
    const replies = [];
    for (const attempt of attempts) {
      const error = await apiFailure(server.anonymous().auth.login(attempt));
      replies.push({ status: error.status, code: error.code, message: error.message });
    }
    expect(new Set(replies.map((reply) => JSON.stringify(reply))).size).toBe(1);
    expect(replies[0]).toEqual({ status: 401, code: 'invalid_credentials', message: 'Invalid e-mail or password' });
  });

  it('locks a disabled user out of the sessions they already had, and lets them back when enabled', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    await server.admin.users.disable(person.id);
    expect((await apiFailure(client.auth.me())).status).toBe(401);
    await server.admin.users.enable(person.id);
    await expect((await server.signIn(person.email, PASSWORD)).auth.me()).resolves.toMatchObject({ kind: 'user' });
  });

  it('runs the whole MFA flow: setup, confirm, sign in with TOTP, replay refused, recovery code once, disable', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const { secret, otpauthUri } = await client.auth.setupMfa();
    expect(otpauthUri).toContain(`secret=${secret}`);

    // Not enabled until a first valid code: login still needs no second factor.
    expect((await server.anonymous().auth.login({ email: person.email, password: PASSWORD })).mfaRequired).toBe(false);
    expect((await apiFailure(client.auth.enableMfa('000000'))).code).toBe('mfa_invalid_code');

    const { recoveryCodes } = await client.auth.enableMfa(totp.codeAt(secret, server.clock.now()));
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await client.auth.me()).user?.mfaEnabled).toBe(true);

    // Sign-in now stops at the second factor and hands out no tokens.
    server.clock.advance(30_000);
    const anonymous = server.anonymous();
    const first = await anonymous.auth.login({ email: person.email, password: PASSWORD });
    expect(first).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
    if (!first.mfaRequired) throw new Error('unreachable');
    expect(anonymous.currentTokens).toBeNull();

    const code = totp.codeAt(secret, server.clock.now());
    expect((await apiFailure(anonymous.auth.verifyMfa({ mfaToken: first.mfaToken, code: '123456' === code ? '654321' : '123456' }))).code).toBe('mfa_invalid_code');
    await anonymous.auth.verifyMfa({ mfaToken: first.mfaToken, code });
    expect((await anonymous.auth.me()).user?.email).toBe(person.email);

    // The same code again is a replay.
    const second = await server.anonymous().auth.login({ email: person.email, password: PASSWORD });
    if (!second.mfaRequired) throw new Error('expected MFA');
    expect((await apiFailure(server.anonymous().auth.verifyMfa({ mfaToken: second.mfaToken, code }))).status).toBe(401);

    // A recovery code works once, typed in lower case and without its dash.
    const recovery = recoveryCodes[0]!.toLowerCase().replace('-', '');
    await server.anonymous().auth.verifyMfa({ mfaToken: second.mfaToken, code: recovery });
    expect((await apiFailure(server.anonymous().auth.verifyMfa({ mfaToken: second.mfaToken, code: recovery }))).code).toBe('mfa_invalid_code');

    // Disabling needs a valid code; a wrong one changes nothing.
    expect((await apiFailure(client.auth.disableMfa('000000'))).code).toBe('mfa_invalid_code');
    expect((await client.auth.me()).user?.mfaEnabled).toBe(true);
    await client.auth.disableMfa(recoveryCodes[1]!);
    expect((await client.auth.me()).user?.mfaEnabled).toBe(false);
    expect((await server.anonymous().auth.login({ email: person.email, password: PASSWORD })).mfaRequired).toBe(false);
  });

  it('refuses an MFA step token after five minutes', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const { secret } = await client.auth.setupMfa();
    await client.auth.enableMfa(totp.codeAt(secret, server.clock.now()));
    const reply = await server.anonymous().auth.login({ email: person.email, password: PASSWORD });
    if (!reply.mfaRequired) throw new Error('expected MFA');
    server.clock.advance(5 * 60_000 + 31_000);
    const error = await apiFailure(server.anonymous().auth.verifyMfa({ mfaToken: reply.mfaToken, code: totp.codeAt(secret, server.clock.now()) }));
    expect(error.status).toBe(401);
  });

  it('rotates refresh tokens, and a reused one revokes the whole session', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const original = client.currentTokens!;
    const rotated = await client.auth.refresh();
    expect(rotated.refreshToken).not.toBe(original.refreshToken);
    await expect(client.auth.me()).resolves.toMatchObject({ kind: 'user' });

    // Someone replays the old refresh token later: refused, and the session it belongs to ends.
    server.clock.advance(11_000);
    const thief = new InfraPilotClient({ baseUrl: server.baseUrl });
    expect((await apiFailure(thief.auth.refresh(original.refreshToken))).status).toBe(401);
    const fresh = new InfraPilotClient({ baseUrl: server.baseUrl, tokens: { accessToken: rotated.accessToken, refreshToken: rotated.refreshToken } });
    expect((await apiFailure(fresh.request('GET', '/api/v1/auth/me'))).status).toBe(401);
    expect((await apiFailure(new InfraPilotClient({ baseUrl: server.baseUrl }).auth.refresh(rotated.refreshToken!))).status).toBe(401);
  });

  it('refuses a refresh token used twice at once without ending the session', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const { refreshToken } = client.currentTokens!;
    const racer = new InfraPilotClient({ baseUrl: server.baseUrl });
    await client.auth.refresh();
    const raced = await apiFailure(racer.auth.refresh(refreshToken));
    expect(raced).toMatchObject({ status: 401, code: 'refresh_token_raced', message: expect.stringContaining('just used') });
    await expect(client.auth.me()).resolves.toMatchObject({ kind: 'user' });
    await expect(client.auth.refresh()).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('refreshes transparently when the 15-minute access token has expired', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const before = client.currentTokens!;
    server.clock.advance(15 * 60_000 + 1000);
    const stale = new InfraPilotClient({ baseUrl: server.baseUrl, tokens: { accessToken: before.accessToken, refreshToken: 'x'.repeat(43) } });
    expect((await apiFailure(stale.auth.me())).status).toBe(401);
    await expect(client.auth.me()).resolves.toMatchObject({ kind: 'user' });
    expect(client.currentTokens!.accessToken).not.toBe(before.accessToken);
  });

  it('rejects tampered, alg:none and garbage access tokens', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const [header, payload, signature] = client.currentTokens!.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: (await server.admin.auth.me()).user!.id })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const tokens = [
      `${header}.${forged}.${signature}`,
      `${none}.${payload}.`,
      `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      'not-a-jwt',
    ];
    for (const accessToken of tokens) {
      const attacker = new InfraPilotClient({ baseUrl: server.baseUrl, tokens: { accessToken, refreshToken: 'x'.repeat(43) } });
      const error = await apiFailure(attacker.request('GET', '/api/v1/auth/me'));
      expect({ token: accessToken.slice(0, 12), status: error.status }).toEqual({ token: accessToken.slice(0, 12), status: 401 });
    }
  });

  it('ends the session on logout: its access and refresh tokens stop working', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const tokens = client.currentTokens!;
    await client.auth.logout();
    const after = new InfraPilotClient({ baseUrl: server.baseUrl, tokens });
    expect((await apiFailure(after.request('GET', '/api/v1/auth/me'))).status).toBe(401);
    expect((await apiFailure(after.auth.refresh())).status).toBe(401);
  });

  it('changes the password and signs out every other session but this one', async () => {
    const person = await newPerson();
    const here = await server.signIn(person.email, PASSWORD);
    const elsewhere = await server.signIn(person.email, PASSWORD);
    expect((await apiFailure(here.auth.changePassword({ currentPassword: 'not my password', newPassword: 'whatever long enough' }))).status).toBe(401);
    const weak = await apiFailure(here.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'short' }));
    expect(weak).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(weak.details[0]?.path).toBe('body.newPassword');

    const result = await here.auth.changePassword({ currentPassword: PASSWORD, newPassword: 'the new password is long' });
    expect(result.revokedSessions).toBeGreaterThanOrEqual(1);
    await expect(here.auth.me()).resolves.toMatchObject({ kind: 'user' });
    expect((await apiFailure(elsewhere.auth.me())).status).toBe(401);
    expect((await apiFailure(server.anonymous().auth.login({ email: person.email, password: PASSWORD }))).status).toBe(401);
    await server.signIn(person.email, 'the new password is long');
  });

  it('slows down repeated failures with 429 and Retry-After, then lets the owner back in', async () => {
    const person = await newPerson();
    const attacker = server.anonymous();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      statuses.push((await apiFailure(attacker.auth.login({ email: person.email, password: `guess ${attempt} xxxxxx` }))).status);
    }
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    const limited = await apiFailure(attacker.auth.login({ email: person.email, password: PASSWORD }));
    expect(limited).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(limited.retryAfterSeconds).toBeGreaterThan(0);

    // The back-off passes; the right password works again and clears the count.
    server.clock.advance((limited.retryAfterSeconds! + 1) * 1000);
    await expect(server.signIn(person.email, PASSWORD)).resolves.toBeInstanceOf(InfraPilotClient);
  });
});
