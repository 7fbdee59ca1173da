import type { ProxyHostsTable, ProxyServersTable } from '../../db/schema.js';
import type { DatabaseHandle } from '../../db/transactions.js';
import { newId } from '../../platform/ids.js';
import type { ProxyHostRecord, ProxyHostRows } from './proxies.mapping.js';

/** Where a page starts: after this (domain, id) in domain order. */
export interface ProxyHostPosition {
  domain: string;
  id: string;
}

/** A drifted managed file, as the heartbeat showed it. */
export interface DriftFacts {
  reason: 'modified' | 'missing';
  path: string;
  at: string;
}

/** A host row with the agent it belongs to. */
export type HostWithAgent = ProxyHostsTable & { agent_name: string; org_id: string };

/**
 * The only code that touches proxy_hosts, proxy_security_headers, rate_limits, ip_rules,
 * container_upstreams and proxy_servers. A proxy host is written and replaced as a whole
 * (host row and children in one transaction, which the caller opens). Queries by org join
 * agents for its org and name, and skip removed hosts.
 */
export class ProxiesRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  private withAgent() {
    return this.db
      .selectFrom('proxy_hosts')
      .innerJoin('agents', 'agents.id', 'proxy_hosts.agent_id')
      .selectAll('proxy_hosts')
      .select(['agents.name as agent_name', 'agents.org_id as org_id'])
      .where('agents.revoked_at', 'is', null);
  }

  /** The rows of these hosts, each with its headers, limits and rules (in the order they were given). */
  private async withChildren(hosts: HostWithAgent[]): Promise<ProxyHostRecord[]> {
    if (hosts.length === 0) return [];
    const ids = hosts.map((host) => host.id);
    const [headers, limits, rules] = await Promise.all([
      this.db.selectFrom('proxy_security_headers').selectAll().where('proxy_host_id', 'in', ids).execute(),
      this.db.selectFrom('rate_limits').selectAll().where('proxy_host_id', 'in', ids).orderBy('position').execute(),
      this.db.selectFrom('ip_rules').selectAll().where('proxy_host_id', 'in', ids).orderBy('position').execute(),
    ]);
    return hosts.map(({ agent_name, org_id, ...host }) => {
      const header = headers.find((row) => row.proxy_host_id === host.id);
      // Written with the host in one transaction; a host without one is a bug, not a state.
      if (!header) throw new Error(`proxy host ${host.id} has no security headers row`);
      return {
        host,
        headers: header,
        rateLimits: limits.filter((row) => row.proxy_host_id === host.id),
        ipRules: rules.filter((row) => row.proxy_host_id === host.id),
        agentName: agent_name,
        orgId: org_id,
      };
    });
  }

  // ------------------------------------------------------------ reading proxy hosts

  /** A proxy host of the org, or undefined (another org's included). */
  async getInOrg(orgId: string, id: string): Promise<ProxyHostRecord | undefined> {
    const host = await this.withAgent().where('agents.org_id', '=', orgId).where('proxy_hosts.id', '=', id).executeTakeFirst();
    return host ? (await this.withChildren([host]))[0] : undefined;
  }

  /** A proxy host whatever its org (the bus's subscribers, which act for no caller). */
  async getById(id: string): Promise<ProxyHostRecord | undefined> {
    const host = await this.withAgent().where('proxy_hosts.id', '=', id).executeTakeFirst();
    return host ? (await this.withChildren([host]))[0] : undefined;
  }

  /** A page of the org's proxy hosts in domain order (then id), after `after`; fetch limit + 1 to know whether more follow. */
  async listInOrg(orgId: string, filter: { agentId?: string | undefined }, page: { limit: number; after?: ProxyHostPosition | undefined }): Promise<ProxyHostRecord[]> {
    let query = this.withAgent().where('agents.org_id', '=', orgId);
    if (filter.agentId) query = query.where('proxy_hosts.agent_id', '=', filter.agentId);
    const { after } = page;
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('proxy_hosts.domain', '>', after.domain), eb.and([eb('proxy_hosts.domain', '=', after.domain), eb('proxy_hosts.id', '>', after.id)])]),
      );
    }
    return this.withChildren(await query.orderBy('proxy_hosts.domain').orderBy('proxy_hosts.id').limit(page.limit).execute());
  }

  /** The host rows of one agent (what its heartbeat's files are compared with). */
  listByAgent(agentId: string): Promise<ProxyHostsTable[]> {
    return this.db.selectFrom('proxy_hosts').selectAll().where('agent_id', '=', agentId).orderBy('domain').execute();
  }

  /** Which of these ids are proxy hosts, of any host and org (what tells a managed file from an orphan). */
  async existingIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('proxy_hosts').select('id').where('id', 'in', ids).execute();
    return rows.map((row) => row.id);
  }

  /**
   * Proxy hosts a reconciliation looks at (of one agent, or of every agent not removed):
   * those whose last apply failed, and those with a certificate attached, whose deployed
   * certificate may be behind.
   */
  listReconcilable(agentId?: string): Promise<HostWithAgent[]> {
    let query = this.withAgent().where((eb) => eb.or([eb('proxy_hosts.status', '=', 'error'), eb('proxy_hosts.certificate_id', 'is not', null)]));
    if (agentId) query = query.where('proxy_hosts.agent_id', '=', agentId);
    return query.orderBy('proxy_hosts.agent_id').orderBy('proxy_hosts.domain').execute();
  }

  /** Ids of the proxy hosts that use a certificate: attached, or deployed while the attached one is issued. */
  async idsByCertificate(certificateId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('proxy_hosts')
      .select('id')
      .where((eb) => eb.or([eb('certificate_id', '=', certificateId), eb('deployed_certificate_id', '=', certificateId)]))
      .orderBy('domain')
      .execute();
    return rows.map((row) => row.id);
  }

  /** Ids of the agent's proxy hosts that forward to a container, named as given or by its Docker id. */
  async idsByContainer(agentId: string, container: { name: string; containerId: string }): Promise<string[]> {
    const rows = await this.db
      .selectFrom('proxy_hosts')
      .select('id')
      .where('agent_id', '=', agentId)
      .where('upstream_kind', '=', 'container')
      .where((eb) => eb.or([eb('upstream_container', '=', container.name), eb('upstream_container', '=', container.containerId)]))
      .orderBy('domain')
      .execute();
    return rows.map((row) => row.id);
  }

  /** Whether another proxy host of the agent serves this domain. */
  async domainTaken(agentId: string, domain: string, exceptId?: string): Promise<boolean> {
    let query = this.db.selectFrom('proxy_hosts').select('id').where('agent_id', '=', agentId).where('domain', '=', domain);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  // ------------------------------------------------------------ writing proxy hosts

  /** Inserts a proxy host with its children. Run inside a transaction. */
  async insert(rows: ProxyHostRows): Promise<void> {
    await this.db.insertInto('proxy_hosts').values(rows.host).execute();
    await this.insertChildren(rows);
  }

  /** Replaces a proxy host's row (keeping created_at) and all its children. Run inside a transaction. */
  async replace(rows: ProxyHostRows): Promise<void> {
    const { id, created_at: _createdAt, ...changes } = rows.host;
    await this.db.updateTable('proxy_hosts').set(changes).where('id', '=', id).execute();
    for (const table of ['proxy_security_headers', 'rate_limits', 'ip_rules', 'container_upstreams'] as const) {
      await this.db.deleteFrom(table).where('proxy_host_id', '=', id).execute();
    }
    await this.insertChildren(rows);
  }

  private async insertChildren(rows: ProxyHostRows): Promise<void> {
    await this.db.insertInto('proxy_security_headers').values(rows.headers).execute();
    if (rows.rateLimits.length > 0) await this.db.insertInto('rate_limits').values(rows.rateLimits).execute();
    if (rows.ipRules.length > 0) await this.db.insertInto('ip_rules').values(rows.ipRules).execute();
    await this.linkContainer(rows);
  }

  /**
   * The seed's container_upstreams link, when the upstream names a container our rows
   * know on that host (it goes with the container's row). The name in proxy_hosts is
   * what the agent resolves; this link is what lets a container's page list its domains.
   */
  private async linkContainer(rows: ProxyHostRows): Promise<void> {
    const { host } = rows;
    if (host.upstream_kind !== 'container' || !host.upstream_container) return;
    const reference = host.upstream_container;
    const container = await this.db
      .selectFrom('containers')
      .select('id')
      .where('agent_id', '=', host.agent_id)
      .where((eb) => eb.or([eb('name', '=', reference), eb('container_id', '=', reference)]))
      .executeTakeFirst();
    if (!container) return;
    await this.db
      .insertInto('container_upstreams')
      .values({ id: newId(), proxy_host_id: host.id, container_id: container.id, container_port: host.upstream_port, created_at: host.updated_at })
      .execute();
  }

  /** Deletes a proxy host and (by cascade) its children; false when it was not there. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.deleteFrom('proxy_hosts').where('id', '=', id).returning('id').execute();
    return deleted.length > 0;
  }

  /** Points a host at a certificate without touching the rest (an ACME order that is still running). */
  async attachCertificate(id: string, certificateId: string, at: string): Promise<void> {
    await this.db.updateTable('proxy_hosts').set({ certificate_id: certificateId, updated_at: at }).where('id', '=', id).execute();
  }

  /** A re-apply the agent refused: the rows stay as they were, with why. */
  async markError(id: string, message: string, at: string): Promise<void> {
    await this.db.updateTable('proxy_hosts').set({ status: 'error', last_error: message, updated_at: at }).where('id', '=', id).execute();
  }

  /**
   * Marks the host drifted, unless it already is (or its hash changed meanwhile, when a
   * save wrote a new file): true when this call made the transition.
   */
  async markDrift(id: string, expectedHash: string, drift: DriftFacts): Promise<boolean> {
    const updated = await this.db
      .updateTable('proxy_hosts')
      .set({ status: 'drift', drift_reason: drift.reason, drift_path: drift.path, drift_detected_at: drift.at })
      .where('id', '=', id)
      .where('config_hash', '=', expectedHash)
      .where((eb) => eb.or([eb('status', '!=', 'drift'), eb('drift_reason', '!=', drift.reason), eb('drift_path', '!=', drift.path)]))
      .returning(['id', 'status'])
      .execute();
    return updated.length > 0;
  }

  /** Clears a drift the host no longer shows: true when this call made the transition. */
  async clearDrift(id: string): Promise<boolean> {
    const updated = await this.db
      .updateTable('proxy_hosts')
      .set({ status: 'active', drift_reason: null, drift_path: null, drift_detected_at: null })
      .where('id', '=', id)
      .where('status', '=', 'drift')
      .returning('id')
      .execute();
    return updated.length > 0;
  }

  // ------------------------------------------------------------ proxy servers

  async upsertServer(row: ProxyServersTable): Promise<void> {
    await this.db
      .insertInto('proxy_servers')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('agent_id').doUpdateSet((eb) => ({
          available: eb.ref('excluded.available'),
          problem: eb.ref('excluded.problem'),
          server: eb.ref('excluded.server'),
          version: eb.ref('excluded.version'),
          running: eb.ref('excluded.running'),
          config_directory: eb.ref('excluded.config_directory'),
          http_port: eb.ref('excluded.http_port'),
          https_port: eb.ref('excluded.https_port'),
          reported_at: eb.ref('excluded.reported_at'),
        })),
      )
      .execute();
  }

  getServer(agentId: string): Promise<ProxyServersTable | undefined> {
    return this.db.selectFrom('proxy_servers').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
  }
}
