import type { Role } from '@infrapilot/protocol';
import type { DatabaseHandle } from '../../db/transactions.js';
import type { MembershipsTable, OrganizationsTable } from '../../db/schema.js';

export interface OrgWithRole extends OrganizationsTable {
  role: Role;
}

/** The only code that touches the organizations and memberships tables. */
export class OrgsRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  async create(row: OrganizationsTable): Promise<void> {
    await this.db.insertInto('organizations').values(row).execute();
  }

  getById(id: string): Promise<OrganizationsTable | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The org created first (ids are UUIDv7, so they sort by creation). */
  oldest(): Promise<OrganizationsTable | undefined> {
    return this.db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  }

  getBySlug(slug: string): Promise<OrganizationsTable | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  /**
   * Holds the org's row until the transaction ends, so two membership changes cannot
   * both count two super_admins and leave none. SQLite runs one transaction at a time
   * and has no FOR UPDATE.
   */
  async lockForMembershipChange(id: string): Promise<void> {
    if (this.database.dialect !== 'postgres') return;
    await this.db.selectFrom('organizations').select('id').where('id', '=', id).forUpdate().execute();
  }

  async update(id: string, changes: Pick<OrganizationsTable, 'name'>): Promise<void> {
    await this.db.updateTable('organizations').set(changes).where('id', '=', id).execute();
  }

  /** The user's orgs, oldest membership first (the first is the default org). */
  async listForUser(userId: string): Promise<OrgWithRole[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
      .select(['organizations.id', 'organizations.name', 'organizations.slug', 'organizations.created_at', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('memberships.created_at')
      .orderBy('memberships.id')
      .execute();
    return rows.map((row) => ({ ...row, role: row.role as Role }));
  }

  getMembership(orgId: string, userId: string): Promise<MembershipsTable | undefined> {
    return this.db
      .selectFrom('memberships')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  listMembershipsOfUser(userId: string): Promise<MembershipsTable[]> {
    return this.db.selectFrom('memberships').selectAll().where('user_id', '=', userId).execute();
  }

  async createMembership(row: MembershipsTable): Promise<void> {
    await this.db.insertInto('memberships').values(row).execute();
  }

  async updateRole(orgId: string, userId: string, role: Role): Promise<void> {
    await this.db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  }

  async deleteMembership(orgId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  }

  async countRole(orgId: string, role: Role): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .where('org_id', '=', orgId)
      .where('role', '=', role)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
