import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from './connect.js';
import { isUniqueViolation } from './constraint-errors.js';
import { migrateToLatest } from './migrate.js';
import type { DatabaseHandle } from './transactions.js';
import { createTestDatabase, describeOnBothDialects, type TestDatabase } from '../test-helpers/test-databases.js';

describeOnBothDialects('isUniqueViolation', (dialect) => {
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

  it('recognises a duplicate slug, and not a missing foreign key', async () => {
    const org = { id: '00000000-0000-7000-8000-000000000001', name: 'A', slug: 'dup', created_at: new Date().toISOString() };
    await handle.root.insertInto('organizations').values(org).execute();
    const duplicate = await handle.root.insertInto('organizations').values({ ...org, id: '00000000-0000-7000-8000-000000000002' }).execute().catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const orphan = await handle.root
      .insertInto('memberships')
      .values({ id: '00000000-0000-7000-8000-000000000003', org_id: 'nope', user_id: 'nope', role: 'viewer', created_at: org.created_at })
      .execute()
      .catch((error: unknown) => error);
    expect(orphan).toBeInstanceOf(Error);
    expect(isUniqueViolation(orphan)).toBe(false);
  });
});
