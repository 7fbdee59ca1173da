import type { Session } from '@infrapilot/protocol';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { Identity } from '../../platform/http/request-context.js';
import type { AuthRepo } from './auth.repo.js';

/**
 * A person's signed-in sessions: listing and ending them. Kept apart from AuthService so
 * the users module can end someone's sessions (disable, password reset) without
 * depending on sign-in.
 */
export class SessionsService {
  constructor(private readonly deps: { repo: AuthRepo; clock: Clock }) {}

  /** The caller's live sessions; an API key has none. */
  async listSessions(identity: Identity): Promise<Session[]> {
    if (identity.kind !== 'user') return [];
    const currentSessionId = identity.sessionId;
    const rows = await this.deps.repo.listLiveSessions(identity.userId, isoTimestamp(this.deps.clock.now()));
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      expiresAt: row.expires_at,
      ipAddress: row.ip_address,
      userAgent: row.user_agent,
      current: row.id === currentSessionId,
    }));
  }

  /** Ends one of the caller's own sessions; someone else's is "not found". */
  async endSession(identity: Identity, sessionId: string): Promise<void> {
    if (identity.kind !== 'user') throw new ForbiddenError('An API key has no sessions');
    const session = await this.deps.repo.getSession(sessionId);
    if (!session || session.user_id !== identity.userId || session.revoked_at !== null) throw new NotFoundError('Session');
    await this.deps.repo.revokeSession(sessionId, isoTimestamp(this.deps.clock.now()), 'ended_by_user');
  }

  /** Ends every live session of a user except `keepSessionId`; returns how many ended. */
  endAllSessionsOf(userId: string, reason: string, keepSessionId?: string): Promise<number> {
    return this.deps.repo.revokeSessionsOfUser(userId, isoTimestamp(this.deps.clock.now()), reason, keepSessionId);
  }
}
