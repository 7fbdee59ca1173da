import { sql } from 'kysely';
import type { DatabaseHandle } from '../../db/transactions.js';
import type { AuditLogsTable } from '../../db/schema.js';

export interface AuditFilter {
  orgId: string;
  actor?: string;
  action?: string;
  actionPrefix?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
  beforeId?: string;
  limit: number;
}

/** The only code that touches audit_logs. Rows are only ever added, never changed. */
export class AuditRepo {
  constructor(private readonly database: DatabaseHandle) {}

  async insert(row: AuditLogsTable): Promise<void> {
    // Always the pool, never a request's transaction: a denied or failed action is still recorded.
    await this.database.root.insertInto('audit_logs').values(row).execute();
  }

  list(filter: AuditFilter): Promise<AuditLogsTable[]> {
    let query = this.database.current.selectFrom('audit_logs').selectAll().where('org_id', '=', filter.orgId);
    if (filter.actor) {
      const actor = filter.actor;
      query = query.where((eb) => eb.or([eb('user_id', '=', actor), eb('api_key_id', '=', actor)]));
    }
    if (filter.action) query = query.where('action', '=', filter.action);
    // substr rather than LIKE: '_' is a wildcard there and the two engines escape differently.
    if (filter.actionPrefix) query = query.where(sql<string>`substr(action, 1, ${filter.actionPrefix.length})`, '=', filter.actionPrefix);
    if (filter.resourceType) query = query.where('resource_type', '=', filter.resourceType);
    if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId);
    if (filter.from) query = query.where('created_at', '>=', filter.from);
    if (filter.to) query = query.where('created_at', '<=', filter.to);
    if (filter.beforeId) query = query.where('id', '<', filter.beforeId);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }
}
