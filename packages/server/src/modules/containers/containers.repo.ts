import { sql } from 'kysely';
import type { ContainersTable, DockerEnginesTable } from '../../db/schema.js';
import type { DatabaseHandle } from '../../db/transactions.js';

/**
 * A container row with the name of the host it runs on, and its engine's last report
 * (null when the host never reported Docker): what lastSyncedAtOf needs.
 */
export type ContainerRow = ContainersTable & { agent_name: string; engine_available: number | null; engine_reported_at: string | null };

/** An engine row with the name of its host. */
export type DockerEngineRow = DockerEnginesTable & { agent_name: string };

export interface ContainerFilter {
  agentId?: string | undefined;
  stack?: string | undefined;
  state?: string | undefined;
  /** Part of the name, case-insensitive. */
  name?: string | undefined;
}

/** Where a page starts: after this (name, id) in name order. */
export interface ContainerPosition {
  name: string;
  id: string;
}

/** How many containers of one stack service are in one state (GROUP BY in SQL). */
export interface StackCount {
  agent_id: string;
  agent_name: string;
  stack_name: string;
  stack_service: string | null;
  state: string;
  containers: number;
}

// Keeps one INSERT's parameters well under SQLite's and PostgreSQL's limits.
const UPSERT_CHUNK = 200;

/** LIKE's wildcards and its escape character, escaped, so a name filter matches literally. */
function likePattern(part: string): string {
  return `%${part.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * The only code that touches containers and docker_engines. Containers belong to a
 * host: queries by org join agents for its org and name (and skip removed hosts).
 */
export class ContainersRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  private withAgent() {
    return this.db
      .selectFrom('containers')
      .innerJoin('agents', 'agents.id', 'containers.agent_id')
      .leftJoin('docker_engines', 'docker_engines.agent_id', 'containers.agent_id')
      .selectAll('containers')
      .select(['agents.name as agent_name', 'docker_engines.available as engine_available', 'docker_engines.reported_at as engine_reported_at'])
      .where('agents.revoked_at', 'is', null);
  }

  // ------------------------------------------------------------ one host

  listByAgent(agentId: string): Promise<ContainersTable[]> {
    return this.db.selectFrom('containers').selectAll().where('agent_id', '=', agentId).execute();
  }

  getByContainerId(agentId: string, containerId: string): Promise<ContainersTable | undefined> {
    return this.db.selectFrom('containers').selectAll().where('agent_id', '=', agentId).where('container_id', '=', containerId).executeTakeFirst();
  }

  /**
   * The container a reference names on a host, as Docker resolves it: the full id, then
   * the name, then an id prefix of at least 4 characters that only one container has.
   */
  async findByReference(agentId: string, reference: string): Promise<ContainersTable | undefined> {
    const exact = await this.db
      .selectFrom('containers')
      .selectAll()
      .where('agent_id', '=', agentId)
      .where((eb) => eb.or([eb('container_id', '=', reference), eb('name', '=', reference)]))
      .execute();
    const byId = exact.find((row) => row.container_id === reference);
    if (byId) return byId;
    if (exact[0]) return exact[0];
    if (reference.length < 4 || !/^[0-9a-f]+$/.test(reference)) return undefined;
    const prefixed = await this.db
      .selectFrom('containers')
      .selectAll()
      .where('agent_id', '=', agentId)
      // Hex only (checked above), so no LIKE wildcard can hide in it.
      .where('container_id', 'like', `${reference}%`)
      .limit(2)
      .execute();
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  listByStack(agentId: string, stack: string): Promise<ContainersTable[]> {
    return this.db.selectFrom('containers').selectAll().where('agent_id', '=', agentId).where('stack_name', '=', stack).orderBy('name').execute();
  }

  /** Inserts rows, or updates the row of the same (agent, Docker id), keeping its id. */
  async upsert(rows: ContainersTable[]): Promise<void> {
    for (let start = 0; start < rows.length; start += UPSERT_CHUNK) {
      await this.db
        .insertInto('containers')
        .values(rows.slice(start, start + UPSERT_CHUNK))
        .onConflict((conflict) =>
          conflict.columns(['agent_id', 'container_id']).doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            image: eb.ref('excluded.image'),
            image_id: eb.ref('excluded.image_id'),
            state: eb.ref('excluded.state'),
            status_text: eb.ref('excluded.status_text'),
            health: eb.ref('excluded.health'),
            stack_name: eb.ref('excluded.stack_name'),
            stack_service: eb.ref('excluded.stack_service'),
            cpu_percent: eb.ref('excluded.cpu_percent'),
            memory_bytes: eb.ref('excluded.memory_bytes'),
            memory_limit_bytes: eb.ref('excluded.memory_limit_bytes'),
            restart_count: eb.ref('excluded.restart_count'),
            exit_code: eb.ref('excluded.exit_code'),
            ports: eb.ref('excluded.ports'),
            created_at: eb.ref('excluded.created_at'),
            started_at: eb.ref('excluded.started_at'),
            last_synced_at: eb.ref('excluded.last_synced_at'),
          })),
        )
        .execute();
    }
  }

  /**
   * Deletes these containers of the host; returns the Docker ids of the rows that went
   * (of two deletes of one row, only one gets it back: who announces the removal).
   */
  async deleteByContainerIds(agentId: string, containerIds: string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (let start = 0; start < containerIds.length; start += UPSERT_CHUNK) {
      const rows = await this.db
        .deleteFrom('containers')
        .where('agent_id', '=', agentId)
        .where('container_id', 'in', containerIds.slice(start, start + UPSERT_CHUNK))
        .returning('container_id')
        .execute();
      for (const row of rows) deleted.push(row.container_id);
    }
    return deleted;
  }

  /** Moves the host's rows' last_synced_at up to `at` (never back): the last heartbeat that listed them, once Docker stops answering. */
  async markSynced(agentId: string, at: string): Promise<void> {
    await this.db.updateTable('containers').set({ last_synced_at: at }).where('agent_id', '=', agentId).where('last_synced_at', '<', at).execute();
  }

  // ------------------------------------------------------------ an org

  /** A page of the org's containers in name order (then id), after `after`; fetch limit + 1 to know whether more follow. */
  listInOrg(orgId: string, filter: ContainerFilter, page: { limit: number; after?: ContainerPosition | undefined }): Promise<ContainerRow[]> {
    let query = this.withAgent().where('agents.org_id', '=', orgId);
    if (filter.agentId) query = query.where('containers.agent_id', '=', filter.agentId);
    if (filter.stack) query = query.where('containers.stack_name', '=', filter.stack);
    if (filter.state) query = query.where('containers.state', '=', filter.state);
    if (filter.name) query = query.where(sql<boolean>`lower(${sql.ref('containers.name')}) like ${likePattern(filter.name)} escape '\\'`);
    const { after } = page;
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('containers.name', '>', after.name), eb.and([eb('containers.name', '=', after.name), eb('containers.id', '>', after.id)])]),
      );
    }
    return query.orderBy('containers.name').orderBy('containers.id').limit(page.limit).execute();
  }

  /** Containers per (host, stack, service, state) in the org, for the stack lists. */
  async stackCounts(orgId: string, agentId?: string): Promise<StackCount[]> {
    let query = this.db
      .selectFrom('containers')
      .innerJoin('agents', 'agents.id', 'containers.agent_id')
      .select((eb) => [
        'containers.agent_id as agent_id',
        'agents.name as agent_name',
        'containers.stack_name as stack_name',
        'containers.stack_service as stack_service',
        'containers.state as state',
        eb.fn.countAll<number | string>().as('containers'),
      ])
      .where('agents.org_id', '=', orgId)
      .where('agents.revoked_at', 'is', null)
      .where('containers.stack_name', 'is not', null);
    if (agentId) query = query.where('containers.agent_id', '=', agentId);
    const rows = await query
      .groupBy(['containers.agent_id', 'agents.name', 'containers.stack_name', 'containers.stack_service', 'containers.state'])
      .orderBy('agents.name')
      .orderBy('containers.stack_name')
      .execute();
    // pg returns count(*) as text.
    return rows.map((row) => ({ ...row, stack_name: row.stack_name!, containers: Number(row.containers) }));
  }

  // ------------------------------------------------------------ engines

  async upsertEngine(row: DockerEnginesTable): Promise<void> {
    await this.db
      .insertInto('docker_engines')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('agent_id').doUpdateSet((eb) => ({
          available: eb.ref('excluded.available'),
          problem: eb.ref('excluded.problem'),
          endpoint: eb.ref('excluded.endpoint'),
          version: eb.ref('excluded.version'),
          reported_at: eb.ref('excluded.reported_at'),
        })),
      )
      .execute();
  }

  getEngine(agentId: string): Promise<DockerEnginesTable | undefined> {
    return this.db.selectFrom('docker_engines').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
  }

  listEnginesInOrg(orgId: string, agentId?: string): Promise<DockerEngineRow[]> {
    let query = this.db
      .selectFrom('docker_engines')
      .innerJoin('agents', 'agents.id', 'docker_engines.agent_id')
      .selectAll('docker_engines')
      .select('agents.name as agent_name')
      .where('agents.org_id', '=', orgId)
      .where('agents.revoked_at', 'is', null);
    if (agentId) query = query.where('docker_engines.agent_id', '=', agentId);
    return query.orderBy('agents.name').orderBy('docker_engines.agent_id').execute();
  }
}
