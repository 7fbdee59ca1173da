import { beforeAll, expect, it } from 'vitest';
import type { SessionsTable } from '../../db/schema.js';
import { hashToken, randomToken } from '../../platform/crypto/tokens.js';
import { newId } from '../../platform/ids.js';
import { insertUser } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { AuthRepo } from './auth.repo.js';
import { hashRecoveryCode } from './recovery-codes.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T01:00:00.000Z';
const T2 = '2025-01-01T02:00:00.000Z';

describeOnBothDialects('AuthRepo', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: AuthRepo;

  beforeAll(() => {
    repo = new AuthRepo(handle());
  });

  const createUser = () => insertUser(handle());

  async function createSession(userId: string, overrides: Partial<SessionsTable> = {}): Promise<string> {
    const id = newId();
    await repo.createSession({
      id,
      user_id: userId,
      created_at: T0,
      last_used_at: T0,
      expires_at: '2025-02-01T00:00:00.000Z',
      revoked_at: null,
      revoked_reason: null,
      ip_address: '192.0.2.1',
      user_agent: 'test',
      ...overrides,
    });
    return id;
  }

  it('marks a refresh token rotated once, then answers false', async () => {
    const session = await createSession(await createUser());
    const token = randomToken();
    const id = newId();
    await repo.createRefreshToken({ id, session_id: session, token_hash: hashToken(token), created_at: T0, expires_at: T2, rotated_at: null });

    expect(await repo.markRotated(id, T1)).toBe(true);
    expect(await repo.markRotated(id, T2)).toBe(false);
    expect(await repo.getRefreshTokenByHash(hashToken(token))).toMatchObject({ id, rotated_at: T1 });
  });

  it('answers false when rotating an unknown refresh token', async () => {
    expect(await repo.markRotated(newId(), T1)).toBe(false);
  });

  it('lets only one of two concurrent rotations of the same token win', async () => {
    const session = await createSession(await createUser());
    const id = newId();
    await repo.createRefreshToken({ id, session_id: session, token_hash: hashToken(randomToken()), created_at: T0, expires_at: T2, rotated_at: null });
    const results = await Promise.all([repo.markRotated(id, T1), repo.markRotated(id, T1)]);
    expect(results.sort()).toEqual([false, true]);
  });

  it("revokes a user's other live sessions, keeps the given one, and says how many", async () => {
    const user = await createUser();
    const neighbour = await createUser();
    const kept = await createSession(user);
    const second = await createSession(user);
    const third = await createSession(user);
    const alreadyRevoked = await createSession(user, { revoked_at: T0, revoked_reason: 'logout' });
    const neighbours = await createSession(neighbour);

    expect(await repo.revokeSessionsOfUser(user, T1, 'password_changed', kept)).toBe(2);

    expect(await repo.getSession(kept)).toMatchObject({ revoked_at: null, revoked_reason: null });
    expect(await repo.getSession(second)).toMatchObject({ revoked_at: T1, revoked_reason: 'password_changed' });
    expect(await repo.getSession(third)).toMatchObject({ revoked_at: T1, revoked_reason: 'password_changed' });
    expect(await repo.getSession(alreadyRevoked)).toMatchObject({ revoked_at: T0, revoked_reason: 'logout' });
    expect(await repo.getSession(neighbours)).toMatchObject({ revoked_at: null });

    expect(await repo.revokeSessionsOfUser(user, T2, 'disabled')).toBe(1);
    expect(await repo.getSession(kept)).toMatchObject({ revoked_at: T2, revoked_reason: 'disabled' });
    expect(await repo.revokeSessionsOfUser(user, T2, 'disabled')).toBe(0);
  });

  it('revokes a session once and keeps the first reason', async () => {
    const session = await createSession(await createUser());
    await repo.revokeSession(session, T1, 'logout');
    await repo.revokeSession(session, T2, 'refresh_reuse');
    expect(await repo.getSession(session)).toMatchObject({ revoked_at: T1, revoked_reason: 'logout' });
  });

  it('accepts each recovery code once, and only for its owner', async () => {
    const user = await createUser();
    const other = await createUser();
    const codes = ['ABCDE-FGHJK', 'MNPQR-STUVW'];
    await repo.replaceRecoveryCodes(
      user,
      codes.map((code) => ({ id: newId(), user_id: user, code_hash: hashRecoveryCode(code), used_at: null })),
    );

    expect(await repo.useRecoveryCode(other, hashRecoveryCode(codes[0]!), T1)).toBe(false);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode(codes[0]!), T1)).toBe(true);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode(codes[0]!), T2)).toBe(false);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode('abcde fghjk'), T2)).toBe(false);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode('mnpqrstuvw'), T1)).toBe(true);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode('XXXXX-XXXXX'), T1)).toBe(false);
  });

  it('replaces all recovery codes, so the old ones stop working', async () => {
    const user = await createUser();
    await repo.replaceRecoveryCodes(user, [{ id: newId(), user_id: user, code_hash: hashRecoveryCode('OLDDD-CODEE'), used_at: null }]);
    await repo.replaceRecoveryCodes(user, [{ id: newId(), user_id: user, code_hash: hashRecoveryCode('NEWWW-CODEE'), used_at: null }]);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode('OLDDD-CODEE'), T1)).toBe(false);
    expect(await repo.useRecoveryCode(user, hashRecoveryCode('NEWWW-CODEE'), T1)).toBe(true);

    await repo.replaceRecoveryCodes(user, []);
    const left = await handle().root.selectFrom('mfa_recovery_codes').select('id').where('user_id', '=', user).execute();
    expect(left).toEqual([]);
  });
});
