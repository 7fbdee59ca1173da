import type { DatabaseHandle } from '../../db/transactions.js';
import type { MfaRecoveryCodesTable, RefreshTokensTable, SessionsTable } from '../../db/schema.js';

/** The only code that touches sessions, refresh tokens and MFA recovery codes. */
export class AuthRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  async createSession(row: SessionsTable): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  getSession(id: string): Promise<SessionsTable | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A user's sessions that are neither revoked nor expired at `at`, newest first. */
  listLiveSessions(userId: string, at: string): Promise<SessionsTable[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .orderBy('id', 'desc')
      .execute();
  }

  async touchSession(id: string, at: string): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async revokeSession(id: string, at: string, reason: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Revokes every live session of a user except `keepSessionId`; returns how many. */
  async revokeSessionsOfUser(userId: string, at: string, reason: string, keepSessionId?: string): Promise<number> {
    let query = this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoked_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async createRefreshToken(row: RefreshTokensTable): Promise<void> {
    await this.db.insertInto('refresh_tokens').values(row).execute();
  }

  getRefreshTokenByHash(tokenHash: string): Promise<RefreshTokensTable | undefined> {
    return this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** Marks a refresh token used; false when another request rotated it first. */
  async markRotated(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ rotated_at: at })
      .where('id', '=', id)
      .where('rotated_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async replaceRecoveryCodes(userId: string, rows: MfaRecoveryCodesTable[]): Promise<void> {
    await this.db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
    if (rows.length > 0) await this.db.insertInto('mfa_recovery_codes').values(rows).execute();
  }

  /** Consumes an unused recovery code; false when there is none with that hash. */
  async useRecoveryCode(userId: string, codeHash: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('mfa_recovery_codes')
      .set({ used_at: at })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
