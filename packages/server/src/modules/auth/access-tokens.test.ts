import { createHmac, randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../platform/crypto/secret-box.js';
import { newId } from '../../platform/ids.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { ACCESS_TOKEN_SECONDS, AccessTokens, MFA_TOKEN_SECONDS } from './access-tokens.js';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function setup() {
  const masterKey = randomBytes(32);
  const clock = new FakeClock(new Date('2025-04-01T10:00:00.000Z'));
  const tokens = new AccessTokens(masterKey, () => clock.now());
  const claims = { userId: newId(), sessionId: newId() };
  /** The claims a genuine access token of `claims` carries now. */
  const payload = () => {
    const iat = Math.floor(clock.now().getTime() / 1000);
    return { sid: claims.sessionId, typ: 'access', sub: claims.userId, iss: 'infrapilot', aud: 'infrapilot-api', iat, exp: iat + ACCESS_TOKEN_SECONDS };
  };
  return { masterKey, clock, tokens, claims, payload };
}

/** Flips one character of a base64url segment so its decoded bytes change. */
function flip(segment: string, index: number): string {
  const replacement = segment[index] === 'A' ? 'B' : 'A';
  return `${segment.slice(0, index)}${replacement}${segment.slice(index + 1)}`;
}

describe('AccessTokens', () => {
  it('verifies an access token it signed and gives back its claims', async () => {
    const { tokens, claims, clock } = setup();
    const token = await tokens.signAccess(claims);
    expect(await tokens.verifyAccess(token)).toEqual({ ...claims, expiresAtMs: clock.now().getTime() + ACCESS_TOKEN_SECONDS * 1000 });
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256' });
  });

  it('accepts an access token until 15 minutes have passed, then refuses it', async () => {
    const { tokens, claims, clock } = setup();
    const token = await tokens.signAccess(claims);
    clock.advance(ACCESS_TOKEN_SECONDS * 1000 - 1000);
    expect(await tokens.verifyAccess(token)).toMatchObject(claims);
    clock.advance(1000);
    expect(await tokens.verifyAccess(token)).toBeNull();
    clock.advance(60_000);
    expect(await tokens.verifyAccess(token)).toBeNull();
  });

  it('refuses a token whose signature was tampered with', async () => {
    const { tokens, claims } = setup();
    const [header, body, signature] = (await tokens.signAccess(claims)).split('.') as [string, string, string];
    expect(await tokens.verifyAccess(`${header}.${body}.${flip(signature, 0)}`)).toBeNull();
    expect(await tokens.verifyAccess(`${header}.${body}.${signature.slice(0, -2)}`)).toBeNull();
    expect(await tokens.verifyAccess(`${header}.${body}.`)).toBeNull();
  });

  it('refuses a token whose claims were changed under the original signature', async () => {
    const { tokens, claims, payload } = setup();
    const [header, , signature] = (await tokens.signAccess(claims)).split('.') as [string, string, string];
    const forged = base64url({ ...payload(), sub: newId() });
    expect(await tokens.verifyAccess(`${header}.${forged}.${signature}`)).toBeNull();
  });

  it('refuses an alg "none" token with the right claims', async () => {
    const { tokens, payload } = setup();
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload())}.`;
    expect(await tokens.verifyAccess(unsigned)).toBeNull();
    const mfaUnsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...payload(), typ: 'mfa' })}.`;
    expect(await tokens.verifyMfa(mfaUnsigned)).toBeNull();
  });

  it('refuses a token signed under another master key', async () => {
    const { tokens, claims, clock } = setup();
    const stranger = new AccessTokens(randomBytes(32), () => clock.now());
    expect(await tokens.verifyAccess(await stranger.signAccess(claims))).toBeNull();
    expect(await tokens.verifyMfa(await stranger.signMfa(claims.userId))).toBeNull();
  });

  it('does not take an MFA step token for an access token, nor the reverse', async () => {
    const { tokens, claims } = setup();
    const mfa = await tokens.signMfa(claims.userId);
    const access = await tokens.signAccess(claims);
    expect(await tokens.verifyMfa(mfa)).toBe(claims.userId);
    expect(await tokens.verifyAccess(mfa)).toBeNull();
    expect(await tokens.verifyMfa(access)).toBeNull();
  });

  it('lets an MFA step token expire after 5 minutes', async () => {
    const { tokens, claims, clock } = setup();
    const mfa = await tokens.signMfa(claims.userId);
    clock.advance(MFA_TOKEN_SECONDS * 1000 - 1000);
    expect(await tokens.verifyMfa(mfa)).toBe(claims.userId);
    clock.advance(1000);
    expect(await tokens.verifyMfa(mfa)).toBeNull();
  });

  it('refuses an HS512 token even under the right key', async () => {
    const { tokens, masterKey, payload } = setup();
    const key = new Uint8Array(deriveKey(masterKey, 'jwt'));
    const hs512 = await new SignJWT(payload()).setProtectedHeader({ alg: 'HS512' }).sign(key);
    expect(await tokens.verifyAccess(hs512)).toBeNull();
    // The same claims under HS256 do verify, so the refusal is about the algorithm.
    const hs256 = await new SignJWT(payload()).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(await tokens.verifyAccess(hs256)).not.toBeNull();
  });

  it('refuses RS256 tokens, signed by a stranger or HMAC-signed in disguise', async () => {
    const { tokens, masterKey, payload } = setup();
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(payload()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect(await tokens.verifyAccess(rs256)).toBeNull();

    // Algorithm confusion: claims RS256 but carries an HMAC under our own key.
    const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(payload())}`;
    const hmac = createHmac('sha256', deriveKey(masterKey, 'jwt')).update(signingInput).digest('base64url');
    expect(await tokens.verifyAccess(`${signingInput}.${hmac}`)).toBeNull();
  });

  it('refuses a token from another issuer or for another audience, and one without a session', async () => {
    const { tokens, masterKey, payload } = setup();
    const key = new Uint8Array(deriveKey(masterKey, 'jwt'));
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
    expect(await tokens.verifyAccess(await sign({ ...payload(), iss: 'someone-else' }))).toBeNull();
    expect(await tokens.verifyAccess(await sign({ ...payload(), aud: 'another-api' }))).toBeNull();
    const { sid: _sid, ...withoutSession } = payload();
    expect(await tokens.verifyAccess(await sign(withoutSession))).toBeNull();
  });

  it('answers garbage with null instead of throwing', async () => {
    const { tokens } = setup();
    for (const garbage of ['', 'not-a-jwt', 'a.b.c', '..', `${base64url({ alg: 'HS256' })}.e30.`]) {
      expect(await tokens.verifyAccess(garbage)).toBeNull();
      expect(await tokens.verifyMfa(garbage)).toBeNull();
    }
  });
});
