import type { DatabaseHandle } from '../../db/transactions.js';
import type { ApiKeysTable } from '../../db/schema.js';

/** The only code that touches the api_keys table. */
export class ApiKeysRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  async create(row: ApiKeysTable): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  getByHash(keyHash: string): Promise<ApiKeysTable | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  }

  getById(id: string): Promise<ApiKeysTable | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getInOrg(orgId: string, id: string): Promise<ApiKeysTable | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  }

  listInOrg(orgId: string, options: { limit: number; afterId?: string; createdBy?: string }): Promise<ApiKeysTable[]> {
    let query = this.db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId);
    if (options.afterId) query = query.where('id', '>', options.afterId);
    if (options.createdBy) query = query.where('created_by', '=', options.createdBy);
    return query.orderBy('id').limit(options.limit).execute();
  }

  async revoke(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
