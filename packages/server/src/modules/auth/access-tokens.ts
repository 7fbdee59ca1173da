import { errors, jwtVerify, SignJWT } from 'jose';
import { deriveKey } from '../../platform/crypto/secret-box.js';

const ISSUER = 'infrapilot';
const AUDIENCE = 'infrapilot-api';
/** Access tokens live 15 minutes (DESIGN.md §6); the MFA step token 5. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const MFA_TOKEN_SECONDS = 5 * 60;

type TokenPurpose = 'access' | 'mfa';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** When the token stops working, in epoch milliseconds. */
  expiresAtMs: number;
}

/**
 * Signs and checks the short-lived JWTs. Only HS256 under our own key is accepted, so
 * `alg: none` and algorithm-confusion tokens fail verification.
 */
export class AccessTokens {
  /**
   * Imported once: handing jose the raw bytes made it import an HMAC key on every
   * request, half of what checking a token cost (docs/benchmarks.md).
   */
  private readonly key: Promise<CryptoKey>;

  constructor(masterKey: Buffer, private readonly now: () => Date) {
    this.key = crypto.subtle.importKey('raw', new Uint8Array(deriveKey(masterKey, 'jwt')), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  signAccess(claims: Omit<AccessClaims, 'expiresAtMs'>): Promise<string> {
    return this.sign('access', claims.userId, { sid: claims.sessionId }, ACCESS_TOKEN_SECONDS);
  }

  signMfa(userId: string): Promise<string> {
    return this.sign('mfa', userId, {}, MFA_TOKEN_SECONDS);
  }

  /** The claims of a valid access token, or null for anything else. */
  async verifyAccess(token: string): Promise<AccessClaims | null> {
    const payload = await this.verify(token, 'access');
    if (!payload || typeof payload.sid !== 'string') return null;
    return { userId: payload.sub, sessionId: payload.sid, expiresAtMs: typeof payload.exp === 'number' ? payload.exp * 1000 : 0 };
  }

  /** The user id of a valid MFA step token, or null. */
  async verifyMfa(token: string): Promise<string | null> {
    return (await this.verify(token, 'mfa'))?.sub ?? null;
  }

  private async sign(purpose: TokenPurpose, subject: string, extra: Record<string, unknown>, lifetimeSeconds: number): Promise<string> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    return new SignJWT({ ...extra, typ: purpose })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .sign(await this.key);
  }

  private async verify(token: string, purpose: TokenPurpose): Promise<(Record<string, unknown> & { sub: string }) | null> {
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: this.now(),
      });
      if (payload.typ !== purpose || typeof payload.sub !== 'string') return null;
      return payload as Record<string, unknown> & { sub: string };
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
      throw error;
    }
  }
}
