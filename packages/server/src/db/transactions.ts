import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import type { Dialect } from './connect.js';
import type { Database } from './schema.js';

/** Runs a function in one database transaction; every repository call inside joins it. */
export type TransactionRunner = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Holds the Kysely instance and the transaction in progress, if any. Repositories ask
 * it for `current` on every query, so a service can wrap calls to several modules'
 * services in one transaction without handing Kysely objects around.
 */
export class DatabaseHandle {
  private readonly activeTransaction = new AsyncLocalStorage<Kysely<Database>>();

  constructor(
    readonly root: Kysely<Database>,
    readonly dialect: Dialect,
  ) {}

  /** The executor to use now: the open transaction, or the pool. */
  get current(): Kysely<Database> {
    return this.activeTransaction.getStore() ?? this.root;
  }

  readonly transaction: TransactionRunner = async (work) => {
    if (this.activeTransaction.getStore()) return work();
    return this.root.transaction().execute((trx) => this.activeTransaction.run(trx, work));
  };

  async destroy(): Promise<void> {
    await this.root.destroy();
  }
}
