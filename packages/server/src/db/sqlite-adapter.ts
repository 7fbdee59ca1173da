import type { DatabaseSync } from 'node:sqlite';
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
 * Gives Kysely's SqliteDialect the better-sqlite3-shaped database it expects, over
 * Node's built-in node:sqlite, so the embedded default needs no native build.
 */
export function adaptNodeSqlite(database: DatabaseSync): SqliteDatabase {
  return {
    close() {
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const statement = database.prepare(sql);
      return {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all(...toSqliteParams(parameters)),
        run: (parameters) => {
          const result = statement.run(...toSqliteParams(parameters));
          return { changes: result.changes, lastInsertRowid: result.lastInsertRowid };
        },
        iterate: (parameters) => statement.iterate(...toSqliteParams(parameters)) as IterableIterator<unknown>,
      };
    },
  };
}
