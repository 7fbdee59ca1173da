import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

type SqliteValue = null | number | bigint | string | Uint8Array;

/** node:sqlite rejects booleans and undefined; Kysely may hand us either. */
function toSqliteValue(value: unknown): SqliteValue {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value as SqliteValue;
}

function toSqliteParams(parameters: ReadonlyArray<unknown>): SqliteValue[] {
  return parameters.map(toSqliteValue);
}

/**
 * How many prepared statements are kept. The server's queries are a few hundred distinct
 * SQL strings; `IN (?, ?, …)` lists of varying length are the only source of more, and the
 * least recently used statement makes room for them.
 */
export const PREPARED_STATEMENT_CACHE_SIZE = 512;

interface PreparedStatement {
  statement: StatementSync;
  reader: boolean;
}

/**
 * Gives Kysely's SqliteDialect the better-sqlite3-shaped database it expects, over
 * Node's built-in node:sqlite, so the embedded default needs no native build.
 *
 * Statements are prepared once per SQL string and reused: preparing (and asking for the
 * columns) cost more than running most of our queries (docs/benchmarks.md). Reuse is safe
 * because Kysely's SqliteDriver runs one query at a time on its single connection. A
 * streamed query (`iterate`) still gets a statement of its own: its rows are read across
 * awaits, and a shared statement would be reset under it if that ever changed.
 */
export function adaptNodeSqlite(database: DatabaseSync, cacheSize = PREPARED_STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, PreparedStatement>();

  function prepared(sql: string): PreparedStatement {
    const cached = cache.get(sql);
    if (cached) {
      // Map keeps insertion order: moving the entry to the end makes the first entry the least recently used.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const statement = database.prepare(sql);
    const entry = { statement, reader: statement.columns().length > 0 };
    cache.set(sql, entry);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    return entry;
  }

  return {
    close() {
      cache.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const { statement, reader } = prepared(sql);
      return {
        reader,
        all: (parameters) => statement.all(...toSqliteParams(parameters)),
        run: (parameters) => {
          const result = statement.run(...toSqliteParams(parameters));
          return { changes: result.changes, lastInsertRowid: result.lastInsertRowid };
        },
        iterate: (parameters) => database.prepare(sql).iterate(...toSqliteParams(parameters)) as IterableIterator<unknown>,
      };
    },
  };
}
