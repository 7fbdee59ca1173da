import { sql, type Insertable, type Updateable } from 'kysely';
import type { AgentCertificatesTable, AgentMetricSamplesTable, AgentsTable, EnrollmentTokensTable } from '../../db/schema.js';
import type { DatabaseHandle } from '../../db/transactions.js';

/** A certificate presented over mTLS, with the agent it belongs to. */
export interface CertificateOwner {
  agentId: string;
  orgId: string;
  name: string;
  status: string;
  notAfter: string;
  certificateRevokedAt: string | null;
  agentRevokedAt: string | null;
}

/** One step of downsampled metrics, straight from SQL: the averaged columns, its index and sample count. */
export type MetricsBucket = { bucket: number; samples: number } & Pick<
  AgentMetricSamplesTable,
  | 'cpu_percent'
  | 'memory_used_bytes'
  | 'memory_total_bytes'
  | 'disk_used_bytes'
  | 'disk_total_bytes'
  | 'load_average_1m'
  | 'network_receive_bytes_per_second'
  | 'network_transmit_bytes_per_second'
>;

/** The only code that touches agents, enrollment_tokens, agent_certificates and agent_metric_samples. */
export class AgentsRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  // ------------------------------------------------------------ enrollment tokens

  async createEnrollmentToken(row: EnrollmentTokensTable): Promise<void> {
    await this.db.insertInto('enrollment_tokens').values(row).execute();
  }

  getEnrollmentTokenByHash(tokenHash: string): Promise<EnrollmentTokensTable | undefined> {
    return this.db.selectFrom('enrollment_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** Marks a token used, only if nobody used or revoked it first; false when we lost that race. */
  async claimEnrollmentToken(id: string, usedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_tokens')
      .set({ used_at: usedAt })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async linkEnrollmentToken(id: string, agentId: string): Promise<void> {
    await this.db.updateTable('enrollment_tokens').set({ agent_id: agentId }).where('id', '=', id).execute();
  }

  /** Tokens still waiting for a host: unused, not revoked, not expired. */
  listOpenEnrollmentTokens(orgId: string, now: string): Promise<EnrollmentTokensTable[]> {
    return this.db
      .selectFrom('enrollment_tokens')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('id')
      .execute();
  }

  async revokeEnrollmentToken(orgId: string, id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_tokens')
      .set({ revoked_at: at })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  // ------------------------------------------------------------ agents

  async createAgent(row: AgentsTable): Promise<void> {
    await this.db.insertInto('agents').values(row).execute();
  }

  /** An agent of the org that has not been removed. */
  getInOrg(orgId: string, id: string): Promise<AgentsTable | undefined> {
    return this.db.selectFrom('agents').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  }

  getById(id: string): Promise<AgentsTable | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listInOrg(orgId: string, options: { limit: number; afterId?: string }): Promise<AgentsTable[]> {
    let query = this.db.selectFrom('agents').selectAll().where('org_id', '=', orgId).where('revoked_at', 'is', null);
    if (options.afterId) query = query.where('id', '>', options.afterId);
    return query.orderBy('id').limit(options.limit).execute();
  }

  async update(id: string, patch: Updateable<AgentsTable>): Promise<void> {
    await this.db.updateTable('agents').set(patch).where('id', '=', id).execute();
  }

  /** Changes the status only if it is still `from`; false when someone else changed it first. */
  async changeStatus(id: string, from: string, to: string, options: { lastSeenBefore?: string } = {}): Promise<boolean> {
    let query = this.db.updateTable('agents').set({ status: to }).where('id', '=', id).where('status', '=', from).where('revoked_at', 'is', null);
    const { lastSeenBefore } = options;
    // Re-checked here, not only when listing: a heartbeat landing in between wins.
    if (lastSeenBefore) query = query.where((eb) => eb.or([eb('last_seen_at', '<', lastSeenBefore), eb('last_seen_at', 'is', null)]));
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Active agents whose last heartbeat is older than the cutoff. */
  listSilentActiveAgents(lastSeenBefore: string): Promise<Pick<AgentsTable, 'id' | 'org_id' | 'status'>[]> {
    return this.db
      .selectFrom('agents')
      .select(['id', 'org_id', 'status'])
      .where('status', '=', 'active')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('last_seen_at', '<', lastSeenBefore), eb('last_seen_at', 'is', null)]))
      .execute();
  }

  /** Removes an agent: it disappears from the org and every certificate it holds stops working. */
  async revoke(id: string, at: string): Promise<void> {
    await this.db.updateTable('agents').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    await this.db.updateTable('agent_certificates').set({ revoked_at: at }).where('agent_id', '=', id).where('revoked_at', 'is', null).execute();
  }

  // ------------------------------------------------------------ certificates

  async createCertificate(row: AgentCertificatesTable): Promise<void> {
    await this.db.insertInto('agent_certificates').values(row).execute();
  }

  getCertificateOwner(fingerprint: string): Promise<CertificateOwner | undefined> {
    return this.db
      .selectFrom('agent_certificates')
      .innerJoin('agents', 'agents.id', 'agent_certificates.agent_id')
      .select([
        'agents.id as agentId',
        'agents.org_id as orgId',
        'agents.name as name',
        'agents.status as status',
        'agent_certificates.not_after as notAfter',
        'agent_certificates.revoked_at as certificateRevokedAt',
        'agents.revoked_at as agentRevokedAt',
      ])
      .where('agent_certificates.fingerprint', '=', fingerprint)
      .executeTakeFirst();
  }

  // ------------------------------------------------------------ metric samples

  async insertSamples(rows: Insertable<AgentMetricSamplesTable>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insertInto('agent_metric_samples').values(rows).execute();
  }

  /** Averages per step over [fromMs, toMs), computed in SQL so a month of samples never reaches Node. */
  async bucketedSamples(agentId: string, fromMs: number, toMs: number, stepMs: number): Promise<MetricsBucket[]> {
    // stepMs is a validated integer; as a literal it keeps integer division in both dialects.
    const bucket = sql<number>`(collected_at_ms - ${sql.lit(fromMs)}) / ${sql.lit(stepMs)}`;
    const rows = await this.db
      .selectFrom('agent_metric_samples')
      .select((eb) => [
        bucket.as('bucket'),
        eb.fn.countAll<number>().as('samples'),
        eb.fn.avg<number>('cpu_percent').as('cpu_percent'),
        eb.fn.avg<number>('memory_used_bytes').as('memory_used_bytes'),
        eb.fn.avg<number>('memory_total_bytes').as('memory_total_bytes'),
        eb.fn.avg<number>('disk_used_bytes').as('disk_used_bytes'),
        eb.fn.avg<number>('disk_total_bytes').as('disk_total_bytes'),
        eb.fn.avg<number>('load_average_1m').as('load_average_1m'),
        eb.fn.avg<number>('network_receive_bytes_per_second').as('network_receive_bytes_per_second'),
        eb.fn.avg<number>('network_transmit_bytes_per_second').as('network_transmit_bytes_per_second'),
      ])
      .where('agent_id', '=', agentId)
      .where('collected_at_ms', '>=', fromMs)
      .where('collected_at_ms', '<', toMs)
      .groupBy(bucket)
      .orderBy(bucket)
      .execute();
    // pg returns bigint and numeric aggregates as text.
    return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as unknown as MetricsBucket);
  }

  async deleteSamplesBefore(beforeMs: number): Promise<number> {
    const result = await this.db.deleteFrom('agent_metric_samples').where('collected_at_ms', '<', beforeMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
