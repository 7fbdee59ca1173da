import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import { foundation } from './migrations/0001-foundation.js';
import { agents } from './migrations/0002-agents.js';
import { containers } from './migrations/0003-containers.js';
import { proxies } from './migrations/0004-proxies.js';
import type { Database } from './schema.js';

/** Every migration, in order. Names sort; never rename or edit one that has shipped. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-agents': agents,
  '0003-containers': containers,
  '0004-proxies': proxies,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the schema up to date; the same migrations run on SQLite and PostgreSQL. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String((error as Error)?.message ?? error)}`, { cause: error });
  }
}
