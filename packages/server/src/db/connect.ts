import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { adaptNodeSqlite } from './sqlite-adapter.js';
import { DatabaseHandle } from './transactions.js';

/** Which engine a database URL selects. */
export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(databaseUrl: string): Dialect {
  return /^postgres(ql)?:\/\//.test(databaseUrl) ? 'postgres' : 'sqlite';
}

/** `sqlite:/path/file.db`, a bare file path, or `postgres://...`. */
export function createKysely(databaseUrl: string): Kysely<Database> {
  if (dialectOf(databaseUrl) === 'postgres') {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    // PostgreSQL ending an idle connection (restart, idle timeout, pg_terminate_backend)
    // is reported here; unheard, it would crash the process. The pool drops that client
    // and the next query opens a new one.
    pool.on('error', (error) => process.emitWarning(`PostgreSQL closed an idle connection: ${error.message}`, 'DatabaseConnectionWarning'));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const file = databaseUrl.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new DatabaseSync(file);
  // SQLite gives its -wal and -shm files the database file's mode, so this covers all three.
  if (file !== ':memory:') chmodSync(file, 0o600);
  // WAL lets readers proceed during a write; busy_timeout rides out a second process.
  sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: adaptNodeSqlite(sqlite) }) });
}

/** Opens the database a URL names, ready for repositories (migrations are the caller's). */
export function openDatabase(databaseUrl: string): DatabaseHandle {
  return new DatabaseHandle(createKysely(databaseUrl), dialectOf(databaseUrl));
}
