import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../platform/ids.js';
import { createTestDatabase, describeOnBothDialects, type TestDatabase } from '../test-helpers/test-databases.js';
import { openDatabase } from './connect.js';
import { migrateToLatest } from './migrate.js';
import type { Database, OrganizationsTable, UsersTable } from './schema.js';
import { DatabaseHandle } from './transactions.js';

// Every table of schema.ts; `satisfies` fails to compile when one is added there but not here.
const TABLES = {
  organizations: true,
  users: true,
  memberships: true,
  sessions: true,
  refresh_tokens: true,
  mfa_recovery_codes: true,
  api_keys: true,
  audit_logs: true,
  agents: true,
  enrollment_tokens: true,
} as const satisfies Record<keyof Database, true>;

function userRow(overrides: Partial<UsersTable> = {}): UsersTable {
  const id = newId();
  return {
    id,
    email: `${id}@example.com`,
    name: 'Ada',
    password_hash: 'not-a-real-hash',
    mfa_secret: null,
    mfa_pending_secret: null,
    mfa_enabled: 0,
    mfa_last_step: null,
    disabled_at: null,
    created_at: '2025-01-02T03:04:05.678Z',
    last_login_at: null,
    password_changed_at: '2025-01-02T03:04:05.678Z',
    ...overrides,
  };
}

function orgRow(overrides: Partial<OrganizationsTable> = {}): OrganizationsTable {
  const id = newId();
  return { id, name: 'Acme', slug: `org-${id.slice(-12)}`, created_at: '2025-01-02T03:04:05.678Z', ...overrides };
}

describeOnBothDialects('migrations and transactions', (dialect) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    handle = openDatabase(database.url);
    await migrateToLatest(handle.root);
  });

  afterAll(async () => {
    await handle?.destroy();
    await database?.drop();
  });

  async function tableNames(): Promise<string[]> {
    const tables = await handle.root.introspection.getTables();
    return tables.map((table) => table.name).sort();
  }

  const orgExists = async (id: string) => (await handle.root.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const membershipExists = async (id: string) =>
    (await handle.root.selectFrom('memberships').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  it('creates every table of the schema', async () => {
    const names = await tableNames();
    for (const table of Object.keys(TABLES)) expect(names).toContain(table);
  });

  it('does nothing when migrated a second time, and keeps the data', async () => {
    const org = orgRow();
    await handle.root.insertInto('organizations').values(org).execute();
    const before = await tableNames();
    const appliedBefore = await handle.root.selectFrom('kysely_migration' as keyof Database).selectAll().execute();

    await migrateToLatest(handle.root);

    expect(await tableNames()).toEqual(before);
    const appliedAfter = await handle.root.selectFrom('kysely_migration' as keyof Database).selectAll().execute();
    expect(appliedAfter).toEqual(appliedBefore);
    expect(appliedAfter).toHaveLength(1);
    expect(await orgExists(org.id)).toBe(true);
  });

  it('reads back a 0/1 boolean as the number and a timestamp as the same ISO string', async () => {
    const user = userRow({ mfa_enabled: 1, created_at: '2025-06-30T23:59:59.999Z', disabled_at: null });
    await handle.root.insertInto('users').values(user).execute();
    const row = await handle.root.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(1);
    expect(typeof row.mfa_enabled).toBe('number');
    expect(row.created_at).toBe('2025-06-30T23:59:59.999Z');
    expect(row.disabled_at).toBeNull();
  });

  // Bug: mfa_last_step is a bigint column, which node-postgres returns as a string, so
  // schema.ts's `number | null` holds on SQLite only (auth.service.ts papers over it with Number()).
  it('reads back a bigint column (mfa_last_step) as the same number', async () => {
    const user = userRow({ mfa_last_step: 58_000_000 });
    await handle.root.insertInto('users').values(user).execute();
    const row = await handle.root.selectFrom('users').select('mfa_last_step').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.mfa_last_step).toBe(58_000_000);
  });

  it('defaults mfa_enabled to the number 0', async () => {
    const { mfa_enabled: _omitted, ...withoutFlag } = userRow();
    // schema.ts types the column as always written; the migration still gives it a default.
    await handle.root.insertInto('users').values(withoutFlag as UsersTable).execute();
    const row = await handle.root.selectFrom('users').select('mfa_enabled').where('id', '=', withoutFlag.id).executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(0);
  });

  it('orders ISO timestamps chronologically when compared as text', async () => {
    const early = orgRow({ created_at: '2025-01-09T23:00:00.000Z' });
    const late = orgRow({ created_at: '2025-01-10T01:00:00.000Z' });
    await handle.root.insertInto('organizations').values([late, early]).execute();
    const rows = await handle.root
      .selectFrom('organizations')
      .select('id')
      .where('id', 'in', [early.id, late.id])
      .where('created_at', '>=', '2025-01-09T23:00:00.000Z')
      .orderBy('created_at')
      .execute();
    expect(rows.map((row) => row.id)).toEqual([early.id, late.id]);
  });

  it('refuses a second user with the same e-mail', async () => {
    const first = userRow({ email: 'same@example.com' });
    await handle.root.insertInto('users').values(first).execute();
    await expect(handle.root.insertInto('users').values(userRow({ email: 'same@example.com' })).execute()).rejects.toThrow();
  });

  it('refuses a second organization with the same slug', async () => {
    await handle.root.insertInto('organizations').values(orgRow({ slug: 'taken' })).execute();
    await expect(handle.root.insertInto('organizations').values(orgRow({ slug: 'taken' })).execute()).rejects.toThrow();
  });

  it('refuses a second membership of the same user in the same org', async () => {
    const org = orgRow();
    const user = userRow();
    await handle.root.insertInto('organizations').values(org).execute();
    await handle.root.insertInto('users').values(user).execute();
    const membership = { org_id: org.id, user_id: user.id, created_at: '2025-01-02T03:04:05.678Z' };
    await handle.root.insertInto('memberships').values({ id: newId(), role: 'viewer', ...membership }).execute();
    await expect(handle.root.insertInto('memberships').values({ id: newId(), role: 'operator', ...membership }).execute()).rejects.toThrow();
  });

  it('refuses a role outside super_admin, operator and viewer', async () => {
    const org = orgRow();
    const user = userRow();
    await handle.root.insertInto('organizations').values(org).execute();
    await handle.root.insertInto('users').values(user).execute();
    await expect(
      handle.root
        .insertInto('memberships')
        .values({ id: newId(), org_id: org.id, user_id: user.id, role: 'owner', created_at: '2025-01-02T03:04:05.678Z' })
        .execute(),
    ).rejects.toThrow();
  });

  it('leaves no rows behind when the work of a transaction throws', async () => {
    const user = userRow();
    await handle.root.insertInto('users').values(user).execute();
    const org = orgRow();
    const membershipId = newId();

    await expect(
      handle.transaction(async () => {
        await handle.current.insertInto('organizations').values(org).execute();
        await handle.current
          .insertInto('memberships')
          .values({ id: membershipId, org_id: org.id, user_id: user.id, role: 'super_admin', created_at: org.created_at })
          .execute();
        expect(await handle.current.selectFrom('organizations').select('id').where('id', '=', org.id).executeTakeFirst()).toBeDefined();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(await orgExists(org.id)).toBe(false);
    expect(await membershipExists(membershipId)).toBe(false);
  });

  it('keeps both rows when the transaction succeeds', async () => {
    const user = userRow();
    await handle.root.insertInto('users').values(user).execute();
    const org = orgRow();
    const membershipId = newId();
    const result = await handle.transaction(async () => {
      await handle.current.insertInto('organizations').values(org).execute();
      await handle.current
        .insertInto('memberships')
        .values({ id: membershipId, org_id: org.id, user_id: user.id, role: 'super_admin', created_at: org.created_at })
        .execute();
      return 'done';
    });
    expect(result).toBe('done');
    expect(await orgExists(org.id)).toBe(true);
    expect(await membershipExists(membershipId)).toBe(true);
  });

  it('runs a nested transaction inside the outer one, so the outer failure undoes it', async () => {
    const outerOrg = orgRow();
    const innerOrg = orgRow();
    let outerExecutor: unknown;
    let innerExecutor: unknown;

    await expect(
      handle.transaction(async () => {
        outerExecutor = handle.current;
        await handle.current.insertInto('organizations').values(outerOrg).execute();
        await handle.transaction(async () => {
          innerExecutor = handle.current;
          // The inner work sees the outer's uncommitted row: it is the same transaction.
          expect(await handle.current.selectFrom('organizations').select('id').where('id', '=', outerOrg.id).executeTakeFirst()).toBeDefined();
          await handle.current.insertInto('organizations').values(innerOrg).execute();
        });
        throw new Error('outer fails after the inner one finished');
      }),
    ).rejects.toThrow('outer fails');

    expect(outerExecutor).not.toBe(handle.root);
    expect(innerExecutor).toBe(outerExecutor);
    expect(await orgExists(outerOrg.id)).toBe(false);
    expect(await orgExists(innerOrg.id)).toBe(false);
  });

  it('undoes the outer work when a nested transaction throws', async () => {
    const outerOrg = orgRow();
    await expect(
      handle.transaction(async () => {
        await handle.current.insertInto('organizations').values(outerOrg).execute();
        await handle.transaction(async () => {
          throw new Error('inner fails');
        });
      }),
    ).rejects.toThrow('inner fails');
    expect(await orgExists(outerOrg.id)).toBe(false);
  });

  it('uses the pool again once a transaction has ended', async () => {
    await handle.transaction(async () => {
      expect(handle.current).not.toBe(handle.root);
    });
    expect(handle.current).toBe(handle.root);
  });
});
