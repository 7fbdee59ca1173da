import { DatabaseSync } from 'node:sqlite';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptNodeSqlite } from './sqlite-adapter.js';

interface TestDatabase {
  items: { id: number; name: string };
}

describe('adaptNodeSqlite', () => {
  let db: Kysely<TestDatabase> | undefined;
  afterEach(async () => {
    await db?.destroy();
    db = undefined;
  });

  function open(cacheSize?: number): Kysely<TestDatabase> {
    db = new Kysely<TestDatabase>({ dialect: new SqliteDialect({ database: adaptNodeSqlite(new DatabaseSync(':memory:'), cacheSize) }) });
    return db;
  }

  it('answers a reused statement with the current rows, also after the table changed shape', async () => {
    const kysely = open();
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(kysely);
    const list = () => kysely.selectFrom('items').selectAll().orderBy('id').execute();
    await kysely.insertInto('items').values({ id: 1, name: 'one' }).execute();
    expect(await list()).toEqual([{ id: 1, name: 'one' }]);
    await kysely.insertInto('items').values({ id: 2, name: 'two' }).execute();
    expect(await list()).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    await sql`ALTER TABLE items ADD COLUMN note TEXT`.execute(kysely);
    expect(await list()).toEqual([
      { id: 1, name: 'one', note: null },
      { id: 2, name: 'two', note: null },
    ]);
  });

  it('keeps working past the cache size (the least recently used statement is dropped)', async () => {
    const kysely = open(2);
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(kysely);
    await kysely.insertInto('items').values([{ id: 1, name: 'one' }, { id: 2, name: 'two' }, { id: 3, name: 'three' }]).execute();
    for (let round = 0; round < 3; round += 1) {
      for (const id of [1, 2, 3]) {
        // A different SQL string per id (the literal is inlined), so each round cycles through more statements than the cache holds.
        const row = await kysely.selectFrom('items').select('name').where('id', '=', sql.lit(id)).executeTakeFirst();
        expect(row?.name).toBe(['one', 'two', 'three'][id - 1]);
      }
    }
  });

  it('streams rows of a query that was also run to completion', async () => {
    const kysely = open();
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`.execute(kysely);
    await kysely.insertInto('items').values([{ id: 1, name: 'one' }, { id: 2, name: 'two' }, { id: 3, name: 'three' }]).execute();
    const query = () => kysely.selectFrom('items').select('name').orderBy('id');
    expect(await query().execute()).toHaveLength(3);
    const seen: string[] = [];
    for await (const row of query().stream()) seen.push(row.name);
    expect(seen).toEqual(['one', 'two', 'three']);
    expect(await query().execute()).toHaveLength(3);
  });
});
