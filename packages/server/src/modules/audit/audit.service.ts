import type { AuditEntry, AuditQuery, Page } from '@infrapilot/protocol';
import type { AuditLogsTable } from '../../db/schema.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { AuditRepo } from './audit.repo.js';
import { redactSecrets } from './redact.js';
import { pageOf } from '../../platform/pagination.js';

/** What happened, as the HTTP layer saw it. */
export interface AuditRecord {
  orgId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  actorLabel: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  requestBody: unknown;
  responseStatus: number;
}

function toEntry(row: AuditLogsTable): AuditEntry {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    apiKeyId: row.api_key_id,
    actorLabel: row.actor_label,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    requestBody: row.request_body === null ? null : (JSON.parse(row.request_body) as unknown),
    responseStatus: row.response_status,
    createdAt: row.created_at,
  };
}

/** The audit log: who did what, where, with what result. */
export class AuditService {
  constructor(private readonly deps: { repo: AuditRepo; clock: Clock }) {}

  async record(entry: AuditRecord): Promise<void> {
    const body = entry.requestBody === undefined || entry.requestBody === null ? null : JSON.stringify(redactSecrets(entry.requestBody));
    await this.deps.repo.insert({
      id: newId(),
      org_id: entry.orgId,
      user_id: entry.userId,
      api_key_id: entry.apiKeyId,
      agent_id: null,
      actor_label: entry.actorLabel?.slice(0, 255) ?? null,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId,
      ip_address: entry.ipAddress,
      user_agent: entry.userAgent?.slice(0, 500) ?? null,
      request_body: body,
      response_status: entry.responseStatus,
      created_at: isoTimestamp(this.deps.clock.now()),
    });
  }

  async list(actor: Actor, query: AuditQuery): Promise<Page<AuditEntry>> {
    const prefix = query.action?.endsWith('*') ? query.action.slice(0, -1) : undefined;
    const rows = await this.deps.repo.list({
      orgId: actor.org.id,
      limit: query.limit + 1,
      ...(query.actor ? { actor: query.actor } : {}),
      ...(query.action && prefix === undefined ? { action: query.action } : {}),
      ...(prefix !== undefined ? { actionPrefix: prefix } : {}),
      ...(query.resourceType ? { resourceType: query.resourceType } : {}),
      ...(query.resourceId ? { resourceId: query.resourceId } : {}),
      ...(query.from ? { from: new Date(query.from).toISOString() } : {}),
      ...(query.to ? { to: new Date(query.to).toISOString() } : {}),
      ...(query.cursor ? { beforeId: query.cursor } : {}),
    });
    return pageOf(rows, query.limit, toEntry);
  }
}
