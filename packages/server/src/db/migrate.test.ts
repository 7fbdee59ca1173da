import { expect, it } from 'vitest';
import { newId } from '../platform/ids.js';
import { insertMembership, insertOrg, insertUser, membershipRow, orgRow, userRow } from '../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../test-helpers/test-databases.js';
import { MIGRATIONS, migrateToLatest } from './migrate.js';
import type { Database, UsersTable } from './schema.js';

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
  agent_certificates: true,
  agent_metric_samples: true,
  containers: true,
  docker_engines: true,
  certificates: true,
  acme_accounts: true,
  proxy_hosts: true,
  proxy_security_headers: true,
  rate_limits: true,
  ip_rules: true,
  container_upstreams: true,
  proxy_servers: true,
} as const satisfies Record<keyof Database, true>;

describeOnBothDialects('migrations and transactions', (dialect) => {
  const handle = useMigratedDatabase(dialect);

  async function tableNames(): Promise<string[]> {
    const tables = await handle().root.introspection.getTables();
    return tables.map((table) => table.name).sort();
  }

  const orgExists = async (id: string) => (await handle().root.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const membershipExists = async (id: string) =>
    (await handle().root.selectFrom('memberships').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  it('creates every table of the schema', async () => {
    const names = await tableNames();
    for (const table of Object.keys(TABLES)) expect(names).toContain(table);
  });

  it('does nothing when migrated a second time, and keeps the data', async () => {
    const org = await insertOrg(handle());
    const before = await tableNames();
    const appliedBefore = await handle().root.selectFrom('kysely_migration' as keyof Database).selectAll().execute();

    await migrateToLatest(handle().root);

    expect(await tableNames()).toEqual(before);
    const appliedAfter = await handle().root.selectFrom('kysely_migration' as keyof Database).selectAll().execute();
    expect(appliedAfter).toEqual(appliedBefore);
    expect(appliedAfter).toHaveLength(Object.keys(MIGRATIONS).length);
    expect(await orgExists(org)).toBe(true);
  });

  it('reads back a 0/1 boolean as the number and a timestamp as the same ISO string', async () => {
    const user = await insertUser(handle(), { mfa_enabled: 1, created_at: '2025-06-30T23:59:59.999Z', disabled_at: null });
    const row = await handle().root.selectFrom('users').selectAll().where('id', '=', user).executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(1);
    expect(typeof row.mfa_enabled).toBe('number');
    expect(row.created_at).toBe('2025-06-30T23:59:59.999Z');
    expect(row.disabled_at).toBeNull();
  });

  // Bug: mfa_last_step is a bigint column, which node-postgres returns as a string, so
  // schema.ts's `number | null` holds on SQLite only (auth.service.ts papers over it with Number()).
  it('reads back a bigint column (mfa_last_step) as the same number', async () => {
    const user = await insertUser(handle(), { mfa_last_step: 58_000_000 });
    const row = await handle().root.selectFrom('users').select('mfa_last_step').where('id', '=', user).executeTakeFirstOrThrow();
    expect(row.mfa_last_step).toBe(58_000_000);
  });

  it('defaults mfa_enabled to the number 0', async () => {
    const { mfa_enabled: _omitted, ...withoutFlag } = userRow();
    // schema.ts types the column as always written; the migration still gives it a default.
    await handle().root.insertInto('users').values(withoutFlag as UsersTable).execute();
    const row = await handle().root.selectFrom('users').select('mfa_enabled').where('id', '=', withoutFlag.id).executeTakeFirstOrThrow();
    expect(row.mfa_enabled).toBe(0);
  });

  it('orders ISO timestamps chronologically when compared as text', async () => {
    const early = orgRow({ created_at: '2025-01-09T23:00:00.000Z' });
    const late = orgRow({ created_at: '2025-01-10T01:00:00.000Z' });
    await handle().root.insertInto('organizations').values([late, early]).execute();
    const rows = await handle().root
      .selectFrom('organizations')
      .select('id')
      .where('id', 'in', [early.id, late.id])
      .where('created_at', '>=', '2025-01-09T23:00:00.000Z')
      .orderBy('created_at')
      .execute();
    expect(rows.map((row) => row.id)).toEqual([early.id, late.id]);
  });

  it('refuses a second user with the same e-mail', async () => {
    await insertUser(handle(), { email: 'same@example.com' });
    await expect(insertUser(handle(), { email: 'same@example.com' })).rejects.toThrow();
  });

  it('refuses a second organization with the same slug', async () => {
    await insertOrg(handle(), { slug: 'taken' });
    await expect(insertOrg(handle(), { slug: 'taken' })).rejects.toThrow();
  });

  it('refuses a second membership of the same user in the same org', async () => {
    const org = await insertOrg(handle());
    const user = await insertUser(handle());
    await insertMembership(handle(), org, user, 'viewer');
    await expect(insertMembership(handle(), org, user, 'operator')).rejects.toThrow();
  });

  it('refuses a role outside super_admin, operator and viewer', async () => {
    const org = await insertOrg(handle());
    const user = await insertUser(handle());
    await expect(
      handle().root
        .insertInto('memberships')
        .values({ id: newId(), org_id: org, user_id: user, role: 'owner', created_at: '2025-01-02T03:04:05.678Z' })
        .execute(),
    ).rejects.toThrow();
  });

  it('leaves no rows behind when the work of a transaction throws', async () => {
    const user = await insertUser(handle());
    const org = orgRow();
    const membershipId = newId();

    await expect(
      handle().transaction(async () => {
        await handle().current.insertInto('organizations').values(org).execute();
        await handle().current.insertInto('memberships').values(membershipRow(org.id, user, 'super_admin', { id: membershipId })).execute();
        expect(await handle().current.selectFrom('organizations').select('id').where('id', '=', org.id).executeTakeFirst()).toBeDefined();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(await orgExists(org.id)).toBe(false);
    expect(await membershipExists(membershipId)).toBe(false);
  });

  it('keeps both rows when the transaction succeeds', async () => {
    const user = await insertUser(handle());
    const org = orgRow();
    const membershipId = newId();
    const result = await handle().transaction(async () => {
      await handle().current.insertInto('organizations').values(org).execute();
      await handle().current.insertInto('memberships').values(membershipRow(org.id, user, 'super_admin', { id: membershipId })).execute();
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
      handle().transaction(async () => {
        outerExecutor = handle().current;
        await handle().current.insertInto('organizations').values(outerOrg).execute();
        await handle().transaction(async () => {
          innerExecutor = handle().current;
          // The inner work sees the outer's uncommitted row: it is the same transaction.
          expect(await handle().current.selectFrom('organizations').select('id').where('id', '=', outerOrg.id).executeTakeFirst()).toBeDefined();
          await handle().current.insertInto('organizations').values(innerOrg).execute();
        });
        throw new Error('outer fails after the inner one finished');
      }),
    ).rejects.toThrow('outer fails');

    expect(outerExecutor).not.toBe(handle().root);
    expect(innerExecutor).toBe(outerExecutor);
    expect(await orgExists(outerOrg.id)).toBe(false);
    expect(await orgExists(innerOrg.id)).toBe(false);
  });

  it('undoes the outer work when a nested transaction throws', async () => {
    const outerOrg = orgRow();
    await expect(
      handle().transaction(async () => {
        await handle().current.insertInto('organizations').values(outerOrg).execute();
        await handle().transaction(async () => {
          throw new Error('inner fails');
        });
      }),
    ).rejects.toThrow('inner fails');
    expect(await orgExists(outerOrg.id)).toBe(false);
  });

  it('uses the pool again once a transaction has ended', async () => {
    await handle().transaction(async () => {
      expect(handle().current).not.toBe(handle().root);
    });
    expect(handle().current).toBe(handle().root);
  });
});
