import type { LoginReply, Login, Me, MfaEnableReply, MfaSetupReply, PasswordChange, Tokens } from '@infrapilot/protocol';
import type { UsersTable } from '../../db/schema.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { ConflictError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '../../errors.js';
import { addSeconds, type Clock, isoTimestamp } from '../../platform/clock.js';
import { hashPassword, verifyPassword } from '../../platform/crypto/passwords.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { hashToken, randomToken } from '../../platform/crypto/tokens.js';
import type { Identity, OrgContext } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { Actor } from '../../platform/http/request-context.js';
import type { OrgsService } from '../orgs/orgs.service.js';
import type { UsersService } from '../users/users.service.js';
import { ACCESS_TOKEN_SECONDS, type AccessTokens } from './access-tokens.js';
import type { AuthRepo } from './auth.repo.js';
import type { SessionsService } from './sessions.service.js';
import { BackoffLimiter, type LoginThrottle } from './login-throttle.js';
import { generateRecoveryCode, hashRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { totp } from './totp.js';

/** Where a request came from, kept on the session for the person to review. */
export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

/** Another request rotated this refresh token a moment ago (two tabs refreshing at once); not a theft. */
export class RefreshTokenRacedError extends UnauthenticatedError {
  constructor() {
    super('This refresh token was just used by another request; use the tokens it received', 'refresh_token_raced');
  }
}

const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;
/**
 * Two clients of one session (two CLI runs) may refresh with the same token at once.
 * A reuse this soon after rotation is refused without ending the session; later, it
 * can only be a copied token, and the session is revoked.
 */
const REFRESH_REUSE_GRACE_SECONDS = 10;
const SESSION_MAX_SECONDS = 90 * 24 * 3600;
const INVALID_CREDENTIALS = 'Invalid e-mail or password';

interface AuthDeps {
  repo: AuthRepo;
  users: UsersService;
  orgs: OrgsService;
  sessions: SessionsService;
  tokens: AccessTokens;
  throttle: LoginThrottle;
  secretBox: SecretBox;
  transaction: TransactionRunner;
  clock: Clock;
}

/** Sign-in, second factor, sessions with rotating refresh tokens, and password changes. */
export class AuthService {
  // Verifying against this when the account is unknown makes every failure cost one argon2 run.
  private readonly decoyHash: Promise<string>;
  private readonly mfaAttempts: BackoffLimiter;

  constructor(private readonly deps: AuthDeps) {
    this.decoyHash = hashPassword(randomToken());
    this.mfaAttempts = new BackoffLimiter({ freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, forgetAfterMs: 15 * 60_000 }, deps.clock);
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  /**
   * Checks e-mail and password. `onAccount` learns which existing account the attempt
   * was for, even when it fails, so the audit log can show failed sign-ins to its org.
   */
  async login(input: Login, client: ClientInfo, onAccount: (userId: string) => void = () => {}): Promise<LoginReply> {
    const { throttle, users } = this.deps;
    const wait = throttle.retryAfterSeconds(input.email, client.ip);
    if (wait > 0) throw new RateLimitedError(wait, 'Too many failed sign-ins');

    const user = await users.getAccountByEmail(input.email);
    if (user) onAccount(user.id);
    const passwordOk = await verifyPassword(user?.password_hash ?? (await this.decoyHash), input.password);
    if (!user || !passwordOk || user.disabled_at !== null) {
      throttle.recordFailure(input.email, client.ip);
      throw new UnauthenticatedError(INVALID_CREDENTIALS, 'invalid_credentials');
    }
    throttle.recordSuccess(input.email, client.ip);
    if (user.mfa_enabled === 1) {
      return { mfaRequired: true, mfaToken: await this.deps.tokens.signMfa(user.id) };
    }
    const tokens = await this.startSession(user, client);
    return { ...tokens, mfaRequired: false };
  }

  /** Second step of a sign-in: a TOTP code or a recovery code, against the token login gave. */
  async verifyMfa(mfaToken: string, code: string, client: ClientInfo): Promise<{ tokens: Tokens; userId: string }> {
    const userId = await this.deps.tokens.verifyMfa(mfaToken);
    if (!userId) throw new UnauthenticatedError('The sign-in step has expired; sign in again');
    const user = await this.deps.users.getAccount(userId);
    if (!user || user.disabled_at !== null || user.mfa_enabled !== 1) throw new UnauthenticatedError('The sign-in step has expired; sign in again');
    await this.checkSecondFactor(user, code);
    return { tokens: await this.startSession(user, client), userId };
  }

  async setupMfa(identity: Identity): Promise<MfaSetupReply> {
    const user = await this.personOf(identity);
    if (user.mfa_enabled === 1) throw new ConflictError('MFA is already enabled; disable it first to enrol a new device');
    const secret = totp.generateSecret();
    await this.deps.users.updateAccount(user.id, { mfa_pending_secret: this.deps.secretBox.seal(secret) });
    return { secret, otpauthUri: totp.otpauthUri(user.email, secret) };
  }

  /** Turns MFA on once the person proves their app produces codes for the pending secret. */
  async enableMfa(identity: Identity, code: string): Promise<MfaEnableReply> {
    const user = await this.personOf(identity);
    if (user.mfa_enabled === 1) throw new ConflictError('MFA is already enabled');
    if (!user.mfa_pending_secret) throw new ConflictError('Start with POST /auth/mfa/setup');
    const secret = this.deps.secretBox.open(user.mfa_pending_secret);
    const step = totp.matchingStep(code, secret, this.now());
    if (step === null) throw new UnauthenticatedError('That code is not valid for the new secret; check the device clock', 'mfa_invalid_code');

    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    await this.deps.transaction(async () => {
      await this.deps.users.updateAccount(user.id, {
        mfa_secret: user.mfa_pending_secret,
        mfa_pending_secret: null,
        mfa_enabled: 1,
        mfa_last_step: step,
      });
      await this.deps.repo.replaceRecoveryCodes(
        user.id,
        recoveryCodes.map((recoveryCode) => ({ id: newId(), user_id: user.id, code_hash: hashRecoveryCode(recoveryCode), used_at: null })),
      );
    });
    return { recoveryCodes };
  }

  async disableMfa(identity: Identity, code: string): Promise<void> {
    const user = await this.personOf(identity);
    if (user.mfa_enabled !== 1) throw new ConflictError('MFA is not enabled');
    await this.checkSecondFactor(user, code);
    await this.deps.transaction(async () => {
      await this.deps.users.updateAccount(user.id, { mfa_secret: null, mfa_pending_secret: null, mfa_enabled: 0, mfa_last_step: null });
      await this.deps.repo.replaceRecoveryCodes(user.id, []);
    });
  }

  /** Turns MFA off for someone who lost their device; they sign in with the password alone. */
  async resetMfaFor(actor: Actor, userId: string): Promise<void> {
    await this.deps.users.assertAdministers(actor, userId, 'reset MFA of');
    await this.deps.transaction(async () => {
      await this.deps.users.updateAccount(userId, { mfa_secret: null, mfa_pending_secret: null, mfa_enabled: 0, mfa_last_step: null });
      await this.deps.repo.replaceRecoveryCodes(userId, []);
    });
  }

  /**
   * Exchanges a refresh token for new tokens. Each refresh token works once; presenting
   * one that was already rotated means it was copied, so the whole session is revoked.
   */
  async refresh(refreshToken: string): Promise<{ tokens: Tokens; userId: string; email: string }> {
    const { repo, transaction } = this.deps;
    const now = this.now();
    const at = isoTimestamp(now);
    const outcome = await transaction(async () => {
      const stored = await repo.getRefreshTokenByHash(hashToken(refreshToken));
      if (!stored) return 'invalid' as const;
      const session = await repo.getSession(stored.session_id);
      if (!session || session.revoked_at !== null) return 'invalid' as const;
      if (stored.rotated_at !== null && Date.parse(stored.rotated_at) + REFRESH_REUSE_GRACE_SECONDS * 1000 > now.getTime()) {
        return 'raced' as const;
      }
      if (stored.rotated_at !== null) {
        await repo.revokeSession(session.id, at, 'refresh_token_reuse');
        return 'reused' as const;
      }
      if (!(await repo.markRotated(stored.id, at))) return 'raced' as const;
      if (stored.expires_at <= at || session.expires_at <= at) return 'invalid' as const;
      const user = await this.deps.users.getAccount(session.user_id);
      if (!user || user.disabled_at !== null) return 'invalid' as const;
      await repo.touchSession(session.id, at);
      return { session, user, refreshToken: await this.issueRefreshToken(session.id, now) };
    });
    if (outcome === 'raced') throw new RefreshTokenRacedError();
    if (outcome === 'reused') throw new UnauthenticatedError('This refresh token was already used; the session has been revoked, sign in again');
    if (outcome === 'invalid') throw new UnauthenticatedError('Invalid or expired refresh token; sign in again');
    return { tokens: await this.tokensFor(outcome.user.id, outcome.session.id, outcome.refreshToken), userId: outcome.user.id, email: outcome.user.email };
  }

  async logout(identity: Identity, refreshToken: string | undefined): Promise<void> {
    const at = isoTimestamp(this.now());
    if (identity.kind === 'user') {
      await this.deps.repo.revokeSession(identity.sessionId, at, 'logout');
      return;
    }
    if (refreshToken) {
      const stored = await this.deps.repo.getRefreshTokenByHash(hashToken(refreshToken));
      if (stored) await this.deps.repo.revokeSession(stored.session_id, at, 'logout');
    }
  }

  /** Changes the caller's password and signs out every other session. */
  async changePassword(identity: Identity, input: PasswordChange): Promise<{ revokedSessions: number }> {
    const user = await this.personOf(identity);
    if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
      throw new UnauthenticatedError('The current password is wrong', 'invalid_credentials');
    }
    const at = isoTimestamp(this.now());
    const passwordHash = await hashPassword(input.newPassword);
    const keep = identity.kind === 'user' ? identity.sessionId : undefined;
    const revokedSessions = await this.deps.transaction(async () => {
      await this.deps.users.updateAccount(user.id, { password_hash: passwordHash, password_changed_at: at });
      return this.deps.sessions.endAllSessionsOf(user.id, 'password_changed', keep);
    });
    return { revokedSessions };
  }

  /** The identity behind an access token, or null when it is invalid, expired or revoked. */
  async authenticateAccessToken(token: string): Promise<Identity | null> {
    const claims = await this.deps.tokens.verifyAccess(token);
    if (!claims) return null;
    const session = await this.deps.repo.getSession(claims.sessionId);
    const at = isoTimestamp(this.now());
    if (!session || session.revoked_at !== null || session.expires_at <= at || session.user_id !== claims.userId) return null;
    const user = await this.deps.users.getAccount(claims.userId);
    if (!user || user.disabled_at !== null) return null;
    return { kind: 'user', userId: user.id, sessionId: session.id, email: user.email, expiresAtMs: claims.expiresAtMs };
  }

  /**
   * Whether a person's session is still valid (not signed out or revoked, not past its
   * end, account enabled), whatever the access token's own expiry: long-lived sockets ask every minute.
   */
  async sessionStillValid(userId: string, sessionId: string): Promise<boolean> {
    const session = await this.deps.repo.getSession(sessionId);
    if (!session || session.revoked_at !== null || session.expires_at <= isoTimestamp(this.now()) || session.user_id !== userId) return false;
    const user = await this.deps.users.getAccount(userId);
    return user !== undefined && user !== null && user.disabled_at === null;
  }

  async me(identity: Identity, org: OrgContext | null): Promise<Me> {
    const orgs = await this.deps.orgs.listOrgsOf(identity);
    if (identity.kind === 'api_key') {
      return { kind: 'api_key', user: null, apiKey: { id: identity.apiKeyId, name: identity.name, prefix: identity.prefix }, org, orgs };
    }
    const user = await this.personOf(identity);
    return {
      kind: 'user',
      user: {
        id: user.id,
        email: user.email,
        name: user.name,
        mfaEnabled: user.mfa_enabled === 1,
        createdAt: user.created_at,
        lastLoginAt: user.last_login_at,
      },
      apiKey: null,
      org,
      orgs,
    };
  }

  private async personOf(identity: Identity): Promise<UsersTable> {
    if (identity.kind !== 'user') throw new ForbiddenError('An API key has no account of its own; sign in as a person for this');
    const user = await this.deps.users.getAccount(identity.userId);
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  private async checkSecondFactor(user: UsersTable, code: string): Promise<void> {
    const wait = this.mfaAttempts.retryAfterSeconds(user.id);
    if (wait > 0) throw new RateLimitedError(wait, 'Too many wrong codes');
    if (await this.acceptSecondFactor(user, code)) {
      this.mfaAttempts.reset(user.id);
      return;
    }
    this.mfaAttempts.recordFailure(user.id);
    throw new UnauthenticatedError('Invalid code', 'mfa_invalid_code');
  }

  private async acceptSecondFactor(user: UsersTable, code: string): Promise<boolean> {
    const at = isoTimestamp(this.now());
    if (/^\d{6}$/.test(code)) {
      if (!user.mfa_secret) return false;
      const step = totp.matchingStep(code, this.deps.secretBox.open(user.mfa_secret), this.now());
      // A code is good once: a step at or before the last one accepted is a replay.
      if (step === null || (user.mfa_last_step !== null && step <= Number(user.mfa_last_step))) return false;
      await this.deps.users.updateAccount(user.id, { mfa_last_step: step });
      return true;
    }
    return this.deps.repo.useRecoveryCode(user.id, hashRecoveryCode(code), at);
  }

  private async startSession(user: UsersTable, client: ClientInfo): Promise<Tokens> {
    const now = this.now();
    const at = isoTimestamp(now);
    const sessionId = newId();
    const refreshToken = await this.deps.transaction(async () => {
      await this.deps.repo.createSession({
        id: sessionId,
        user_id: user.id,
        created_at: at,
        last_used_at: at,
        expires_at: isoTimestamp(addSeconds(now, SESSION_MAX_SECONDS)),
        revoked_at: null,
        revoked_reason: null,
        ip_address: client.ip,
        user_agent: client.userAgent?.slice(0, 500) ?? null,
      });
      await this.deps.users.updateAccount(user.id, { last_login_at: at });
      return this.issueRefreshToken(sessionId, now);
    });
    return this.tokensFor(user.id, sessionId, refreshToken);
  }

  private async issueRefreshToken(sessionId: string, now: Date): Promise<string> {
    const token = randomToken(32);
    await this.deps.repo.createRefreshToken({
      id: newId(),
      session_id: sessionId,
      token_hash: hashToken(token),
      created_at: isoTimestamp(now),
      expires_at: isoTimestamp(addSeconds(now, REFRESH_TOKEN_SECONDS)),
      rotated_at: null,
    });
    return token;
  }

  private async tokensFor(userId: string, sessionId: string, refreshToken: string): Promise<Tokens> {
    const accessToken = await this.deps.tokens.signAccess({ userId, sessionId });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_SECONDS };
  }
}
