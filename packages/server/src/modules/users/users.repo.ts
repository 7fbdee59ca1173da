import type { Role } from '@infrapilot/protocol';
import type { Updateable } from 'kysely';
import type { DatabaseHandle } from '../../db/transactions.js';
import type { UsersTable } from '../../db/schema.js';

export interface UserInOrg extends UsersTable {
  role: Role;
}

/** The only code that touches the users table. */
export class UsersRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  async create(row: UsersTable): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  getById(id: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getByEmail(email: string): Promise<UsersTable | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  }

  async update(id: string, changes: Updateable<UsersTable>): Promise<void> {
    await this.db.updateTable('users').set(changes).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Members of an org in account-creation order (ids are UUIDv7), with their role there. */
  async listInOrg(orgId: string, options: { limit: number; afterId?: string }): Promise<UserInOrg[]> {
    let query = this.db
      .selectFrom('users')
      .innerJoin('memberships', 'memberships.user_id', 'users.id')
      .selectAll('users')
      .select('memberships.role')
      .where('memberships.org_id', '=', orgId);
    if (options.afterId) query = query.where('users.id', '>', options.afterId);
    const rows = await query.orderBy('users.id').limit(options.limit).execute();
    return rows.map((row) => ({ ...row, role: row.role as Role }));
  }

  async getInOrg(orgId: string, userId: string): Promise<UserInOrg | undefined> {
    const row = await this.db
      .selectFrom('users')
      .innerJoin('memberships', 'memberships.user_id', 'users.id')
      .selectAll('users')
      .select('memberships.role')
      .where('memberships.org_id', '=', orgId)
      .where('users.id', '=', userId)
      .executeTakeFirst();
    return row ? { ...row, role: row.role as Role } : undefined;
  }
}
