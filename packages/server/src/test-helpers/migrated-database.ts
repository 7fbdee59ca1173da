import { afterAll, beforeAll } from 'vitest';
import { type Dialect, openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import type { DatabaseHandle } from '../db/transactions.js';
import { createTestDatabase, type TestDatabase } from './test-databases.js';

/** Gives the calling describe block its own fresh, migrated database; a getter, because the handle only exists once beforeAll has run. */
export function useMigratedDatabase(dialect: Dialect): () => DatabaseHandle {
  let database: TestDatabase | undefined;
  let handle: DatabaseHandle | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    handle = openDatabase(database.url);
    await migrateToLatest(handle.root);
  });

  afterAll(async () => {
    await handle?.destroy();
    await database?.drop();
  });

  return () => {
    if (!handle) throw new Error('the test database is opened in beforeAll; use it inside a test or hook');
    return handle;
  };
}
