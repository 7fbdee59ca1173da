import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentsTable, ContainersTable } from '../../db/schema.js';
import { newId } from '../../platform/ids.js';
import { insertAgent, insertOrg } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { ContainersRepo } from './containers.repo.js';

const SYNCED_AT = '2025-03-01T12:00:00.000Z';

const dockerId = () => randomBytes(32).toString('hex');

function containerRow(agentId: string, overrides: Partial<ContainersTable> = {}): ContainersTable {
  return {
    id: newId(),
    agent_id: agentId,
    container_id: dockerId(),
    name: `c-${randomBytes(4).toString('hex')}`,
    image: 'infrapilot-test/busybox:latest',
    image_id: `sha256:${'a'.repeat(64)}`,
    state: 'running',
    status_text: 'Up 5 minutes',
    health: null,
    stack_name: null,
    stack_service: null,
    cpu_percent: 1.5,
    memory_bytes: 12_345_678,
    memory_limit_bytes: 8_000_000_000,
    restart_count: 0,
    exit_code: null,
    ports: '[]',
    created_at: '2025-03-01T11:00:00.000Z',
    started_at: '2025-03-01T11:00:01.000Z',
    last_synced_at: SYNCED_AT,
    ...overrides,
  };
}

describeOnBothDialects('containers repository', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: ContainersRepo;
  let orgId: string;
  let otherOrgId: string;
  let otherHost: AgentsTable;

  beforeAll(async () => {
    repo = new ContainersRepo(handle());
    orgId = await insertOrg(handle());
    otherOrgId = await insertOrg(handle());
    otherHost = await insertAgent(handle(), otherOrgId, { name: 'elsewhere-1' });
  });

  /** A host of its own, so a test's rows do not meet another test's. */
  const freshHost = (inOrg = orgId, overrides: Partial<AgentsTable> = {}) => insertAgent(handle(), inOrg, overrides);

  describe('one host', () => {
    it('inserts, then updates the row of the same Docker id in place, keeping its id', async () => {
      const agent = await freshHost();
      const row = containerRow(agent.id, { name: 'web', state: 'running' });
      await repo.upsert([row]);
      await repo.upsert([{ ...row, id: newId(), state: 'exited', exit_code: 137, cpu_percent: null, memory_bytes: null, restart_count: 3 }]);

      const stored = await repo.listByAgent(agent.id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ id: row.id, state: 'exited', exit_code: 137, cpu_percent: null, memory_bytes: null, restart_count: 3 });
    });

    it('returns numbers as numbers on both dialects', async () => {
      const agent = await freshHost();
      const row = containerRow(agent.id, { cpu_percent: 12.25, memory_bytes: 5_000_000_000, memory_limit_bytes: 16_000_000_000, restart_count: 7, exit_code: 1 });
      await repo.upsert([row]);
      const stored = (await repo.getByContainerId(agent.id, row.container_id))!;
      expect(stored).toMatchObject({ cpu_percent: 12.25, memory_bytes: 5_000_000_000, memory_limit_bytes: 16_000_000_000, restart_count: 7, exit_code: 1 });
      expect((await repo.getEngine(agent.id)) ?? null).toBeNull();
    });

    it('lets two hosts have a container with the same Docker id', async () => {
      const one = await freshHost();
      const two = await freshHost();
      const shared = dockerId();
      await repo.upsert([containerRow(one.id, { container_id: shared }), containerRow(two.id, { container_id: shared })]);
      expect(await repo.getByContainerId(one.id, shared)).toBeDefined();
      expect(await repo.getByContainerId(two.id, shared)).toBeDefined();

      expect(await repo.deleteByContainerIds(one.id, [shared])).toEqual([shared]);
      // Deleted already: nobody else gets it back, so nobody else announces the removal.
      expect(await repo.deleteByContainerIds(one.id, [shared])).toEqual([]);
      expect(await repo.getByContainerId(one.id, shared)).toBeUndefined();
      expect(await repo.getByContainerId(two.id, shared)).toBeDefined();
    });

    it('upserts and deletes more rows than one statement carries', async () => {
      const agent = await freshHost();
      const rows = Array.from({ length: 450 }, () => containerRow(agent.id));
      await repo.upsert(rows);
      expect(await repo.listByAgent(agent.id)).toHaveLength(450);
      const doomed = rows.slice(0, 420).map((row) => row.container_id);
      expect((await repo.deleteByContainerIds(agent.id, doomed)).sort()).toEqual([...doomed].sort());
      expect(await repo.listByAgent(agent.id)).toHaveLength(30);
    });

    it('finds a container by full id, by name, or by an id prefix only it has', async () => {
      const agent = await freshHost();
      const web = containerRow(agent.id, { name: 'web', container_id: `abcd1${'0'.repeat(59)}` });
      const worker = containerRow(agent.id, { name: 'worker', container_id: `abcd2${'0'.repeat(59)}` });
      // A container named like another's id prefix: Docker prefers the exact name.
      const named = containerRow(agent.id, { name: 'abcd1', container_id: `ffff${'0'.repeat(60)}` });
      await repo.upsert([web, worker, named]);

      expect((await repo.findByReference(agent.id, web.container_id))?.id).toBe(web.id);
      expect((await repo.findByReference(agent.id, 'worker'))?.id).toBe(worker.id);
      expect((await repo.findByReference(agent.id, 'abcd2'))?.id).toBe(worker.id);
      expect((await repo.findByReference(agent.id, 'abcd1'))?.id).toBe(named.id);
      // Ambiguous, too short, or not hex: the agent decides.
      expect(await repo.findByReference(agent.id, 'abcd')).toBeUndefined();
      expect(await repo.findByReference(agent.id, 'ffe')).toBeUndefined();
      expect(await repo.findByReference(agent.id, 'ab_d')).toBeUndefined();
      expect(await repo.findByReference(otherHost.id, 'web')).toBeUndefined();
    });

    it('lists a stack of one host in name order', async () => {
      const agent = await freshHost();
      await repo.upsert([
        containerRow(agent.id, { name: 'shop-web-1', stack_name: 'shop', stack_service: 'web' }),
        containerRow(agent.id, { name: 'shop-db-1', stack_name: 'shop', stack_service: 'db' }),
        containerRow(agent.id, { name: 'blog-web-1', stack_name: 'blog', stack_service: 'web' }),
      ]);
      expect((await repo.listByStack(agent.id, 'shop')).map((row) => row.name)).toEqual(['shop-db-1', 'shop-web-1']);
    });

    it("moves the host's rows' last_synced_at forward, never back", async () => {
      const agent = await freshHost();
      const old = containerRow(agent.id, { last_synced_at: '2025-03-01T11:00:00.000Z' });
      const recent = containerRow(agent.id, { last_synced_at: '2025-03-01T13:00:00.000Z' });
      const elsewhere = containerRow(otherHost.id, { last_synced_at: '2025-03-01T11:00:00.000Z' });
      await repo.upsert([old, recent, elsewhere]);
      await repo.markSynced(agent.id, SYNCED_AT);
      expect((await repo.getByContainerId(agent.id, old.container_id))?.last_synced_at).toBe(SYNCED_AT);
      expect((await repo.getByContainerId(agent.id, recent.container_id))?.last_synced_at).toBe('2025-03-01T13:00:00.000Z');
      expect((await repo.getByContainerId(otherHost.id, elsewhere.container_id))?.last_synced_at).toBe('2025-03-01T11:00:00.000Z');
    });

    it('goes with its host when the host row is deleted', async () => {
      const agent = await freshHost();
      await repo.upsert([containerRow(agent.id)]);
      await repo.upsertEngine({ agent_id: agent.id, available: 1, problem: null, endpoint: 'unix:///var/run/docker.sock', version: '20.10.24', reported_at: SYNCED_AT });
      await handle().root.deleteFrom('agents').where('id', '=', agent.id).execute();
      expect(await repo.listByAgent(agent.id)).toEqual([]);
      expect(await repo.getEngine(agent.id)).toBeUndefined();
    });
  });

  describe('an org', () => {
    let listOrg: string;
    let hostA: AgentsTable;
    let hostB: AgentsTable;

    beforeAll(async () => {
      listOrg = await insertOrg(handle());
      hostA = await freshHost(listOrg, { name: 'alpha' });
      hostB = await freshHost(listOrg, { name: 'beta' });
      const removedHost = await freshHost(listOrg, { name: 'gone', revoked_at: SYNCED_AT });
      await repo.upsert([
        containerRow(hostA.id, { name: 'api', stack_name: 'shop', stack_service: 'api' }),
        containerRow(hostA.id, { name: 'db', stack_name: 'shop', stack_service: 'db', state: 'exited', exit_code: 0 }),
        containerRow(hostA.id, { name: 'proxy_100%' }),
        containerRow(hostB.id, { name: 'api', state: 'restarting', restart_count: 4 }),
        containerRow(hostB.id, { name: 'cache', stack_name: 'shop', stack_service: 'cache' }),
        containerRow(hostB.id, { name: 'web_1', stack_name: 'blog', stack_service: 'web' }),
        containerRow(removedHost.id, { name: 'zombie', stack_name: 'shop' }),
        containerRow(otherHost.id, { name: 'foreign', stack_name: 'shop' }),
      ]);
    });

    const names = (rows: { agent_name: string; name: string }[]) => rows.map((row) => `${row.agent_name}/${row.name}`);

    it("lists the org's containers of hosts not removed, in name order, with the host's name", async () => {
      const rows = await repo.listInOrg(listOrg, {}, { limit: 100 });
      expect(rows.map((row) => row.name)).toEqual(['api', 'api', 'cache', 'db', 'proxy_100%', 'web_1']);
      expect(names(rows).sort()).toEqual(['alpha/api', 'alpha/db', 'alpha/proxy_100%', 'beta/api', 'beta/cache', 'beta/web_1'].sort());
    });

    it("lists each container with its host's engine report, when the host has one", async () => {
      await repo.upsertEngine({ agent_id: hostA.id, available: 1, problem: null, endpoint: null, version: null, reported_at: '2025-03-01T12:30:00.000Z' });
      const rows = await repo.listInOrg(listOrg, {}, { limit: 100 });
      const alpha = rows.filter((row) => row.agent_name === 'alpha');
      expect(alpha.map((row) => [Number(row.engine_available), row.engine_reported_at])).toEqual(alpha.map(() => [1, '2025-03-01T12:30:00.000Z']));
      expect(rows.filter((row) => row.agent_name === 'beta').map((row) => [row.engine_available, row.engine_reported_at])).toEqual([
        [null, null],
        [null, null],
        [null, null],
      ]);
    });

    it('filters by host, stack, state and a case-insensitive part of the name, with LIKE wildcards taken literally', async () => {
      expect(names(await repo.listInOrg(listOrg, { agentId: hostB.id }, { limit: 100 }))).toEqual(['beta/api', 'beta/cache', 'beta/web_1']);
      expect(names(await repo.listInOrg(listOrg, { stack: 'shop' }, { limit: 100 })).sort()).toEqual(['alpha/api', 'alpha/db', 'beta/cache']);
      expect(names(await repo.listInOrg(listOrg, { state: 'restarting' }, { limit: 100 }))).toEqual(['beta/api']);
      expect(names(await repo.listInOrg(listOrg, { name: 'PROXY' }, { limit: 100 }))).toEqual(['alpha/proxy_100%']);
      expect(names(await repo.listInOrg(listOrg, { name: '100%' }, { limit: 100 }))).toEqual(['alpha/proxy_100%']);
      expect(names(await repo.listInOrg(listOrg, { name: 'b_1' }, { limit: 100 }))).toEqual(['beta/web_1']);
      // "_" is not a wildcard: "a_i" must not match "api".
      expect(await repo.listInOrg(listOrg, { name: 'a_i' }, { limit: 100 })).toEqual([]);
      expect(await repo.listInOrg(listOrg, { name: '%' }, { limit: 100 }).then(names)).toEqual(['alpha/proxy_100%']);
      expect(await repo.listInOrg(listOrg, { agentId: otherHost.id }, { limit: 100 })).toEqual([]);
    });

    it('pages by (name, id) without losing or repeating a row, through equal names', async () => {
      const seen: string[] = [];
      let after: { name: string; id: string } | undefined;
      for (let page = 0; page < 10; page += 1) {
        const rows = await repo.listInOrg(listOrg, {}, { limit: 2, after });
        if (rows.length === 0) break;
        seen.push(...rows.map((row) => row.id));
        after = { name: rows.at(-1)!.name, id: rows.at(-1)!.id };
      }
      const all = await repo.listInOrg(listOrg, {}, { limit: 100 });
      expect(seen).toEqual(all.map((row) => row.id));
      expect(new Set(seen).size).toBe(6);
    });

    it('counts stack containers per host, service and state, as numbers', async () => {
      const counts = await repo.stackCounts(listOrg);
      const summary = counts.map((count) => `${count.agent_name}/${count.stack_name}/${count.stack_service}/${count.state}=${count.containers}`).sort();
      expect(summary).toEqual(['alpha/shop/api/running=1', 'alpha/shop/db/exited=1', 'beta/blog/web/running=1', 'beta/shop/cache/running=1']);
      for (const count of counts) expect(typeof count.containers).toBe('number');
      expect((await repo.stackCounts(listOrg, hostB.id)).map((count) => count.stack_name).sort()).toEqual(['blog', 'shop']);
      expect(await repo.stackCounts(listOrg, otherHost.id)).toEqual([]);
    });
  });

  describe('engines', () => {
    it("stores each host's engine once, updates it, and lists the org's only", async () => {
      const engineOrg = await insertOrg(handle());
      const up = await freshHost(engineOrg, { name: 'up' });
      const down = await freshHost(engineOrg, { name: 'down' });
      await repo.upsertEngine({ agent_id: up.id, available: 1, problem: null, endpoint: 'unix:///var/run/docker.sock', version: '20.10.24', reported_at: SYNCED_AT });
      await repo.upsertEngine({ agent_id: down.id, available: 1, problem: null, endpoint: null, version: null, reported_at: SYNCED_AT });
      await repo.upsertEngine({
        agent_id: down.id,
        available: 0,
        problem: 'cannot reach the Docker Engine at unix:///nope.sock (connect ENOENT)',
        endpoint: 'unix:///nope.sock',
        version: null,
        reported_at: '2025-03-01T12:00:05.000Z',
      });
      await repo.upsertEngine({ agent_id: otherHost.id, available: 1, problem: null, endpoint: null, version: null, reported_at: SYNCED_AT });

      const engines = await repo.listEnginesInOrg(engineOrg);
      expect(engines.map((engine) => [engine.agent_name, Number(engine.available)])).toEqual([
        ['down', 0],
        ['up', 1],
      ]);
      expect(engines[0]).toMatchObject({ problem: expect.stringContaining('nope.sock'), reported_at: '2025-03-01T12:00:05.000Z' });
      expect((await repo.listEnginesInOrg(engineOrg, up.id)).map((engine) => engine.agent_id)).toEqual([up.id]);
      expect((await repo.getEngine(up.id))?.version).toBe('20.10.24');
    });
  });
});
