import { randomBytes } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import {
  ContainerEventSchema,
  ContainerStateSchema,
  DockerStateSchema,
  PortBindingSchema,
  type ContainerState,
  type DockerState,
} from '@infrapilot/protocol/agent';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DomainEventName, type DomainEvents, EventBus } from '../../platform/events/event-bus.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { insertAgent, insertOrg } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import type { AgentPrincipal } from '../agents/agents.service.js';
import type { ContainersTable } from '../../db/schema.js';
import type { DatabaseHandle } from '../../db/transactions.js';
import { ContainerSync } from './container-sync.js';
import { hostListedAtOf, toContainer } from './containers.mapping.js';
import { ContainersRepo } from './containers.repo.js';

/** The real repository, counting the rows it was asked to write. */
class CountingRepo extends ContainersRepo {
  upserted = 0;

  constructor(database: DatabaseHandle) {
    super(database);
  }

  override upsert(rows: ContainersTable[]): Promise<void> {
    this.upserted += rows.length;
    return super.upsert(rows);
  }
}

const CONTAINER_EVENTS = ['containers.synced', 'container.changed', 'container.removed', 'container.started', 'container.died', 'container.restarting'] as const;
type Published = { [K in (typeof CONTAINER_EVENTS)[number]]: { name: K; payload: DomainEvents[K] } }[(typeof CONTAINER_EVENTS)[number]];

function containerState(overrides: Partial<Omit<ContainerState, '$typeName'>> = {}): ContainerState {
  return create(ContainerStateSchema, {
    containerId: randomBytes(32).toString('hex'),
    name: `c-${randomBytes(3).toString('hex')}`,
    image: 'infrapilot-test/busybox:latest',
    imageId: `sha256:${'b'.repeat(64)}`,
    state: 'running',
    statusText: 'Up 2 seconds',
    cpuPercent: 0.5,
    memoryBytes: 1_000_000n,
    memoryLimitBytes: 2_000_000_000n,
    restartCount: 0,
    createdAtUnixMs: 1_700_000_000_000n,
    startedAtUnixMs: 1_700_000_001_000n,
    ports: [create(PortBindingSchema, { ip: '0.0.0.0', privatePort: 80, publicPort: 8080, protocol: 'tcp' }), create(PortBindingSchema, { privatePort: 443, protocol: 'tcp' })],
    ...overrides,
  });
}

function dockerState(containers: ContainerState[], overrides: Partial<Omit<DockerState, '$typeName' | 'containers'>> = {}): DockerState {
  return create(DockerStateSchema, { available: true, endpoint: 'unix:///var/run/docker.sock', engineVersion: '20.10.24', containers, ...overrides });
}

describeOnBothDialects('container sync', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: ContainersRepo;
  let bus: EventBus;
  let sync: ContainerSync;
  let principal: AgentPrincipal;
  let published: Published[];
  const clock = new FakeClock(new Date('2025-03-01T12:00:00.000Z'));

  beforeAll(async () => {
    repo = new ContainersRepo(handle());
    bus = new EventBus((event, error) => {
      throw new Error(`subscriber of ${event} failed: ${String(error)}`);
    });
    sync = new ContainerSync({ repo, bus, transaction: handle().transaction, clock });
    for (const name of CONTAINER_EVENTS) {
      bus.subscribe(name, (payload: DomainEvents[DomainEventName]) => void published.push({ name, payload } as Published));
    }
  });

  beforeEach(async () => {
    published = [];
    const orgId = await insertOrg(handle());
    const agent = await insertAgent(handle(), orgId, { name: 'web-1' });
    principal = { agentId: agent.id, orgId, name: agent.name, status: 'active' };
  });

  const eventNames = () => published.map((event) => event.name);

  describe('recordState', () => {
    it("stores every container and the engine, and says the host's containers changed", async () => {
      const web = containerState({ name: 'web', stackName: 'shop', stackService: 'web', health: 'healthy' });
      const stopped = containerState({ name: 'old', state: 'exited', exitCode: 137, cpuPercent: 0, memoryBytes: 0n, startedAtUnixMs: 0n });
      await sync.recordState(principal, dockerState([web, stopped]));

      const rows = await repo.listByAgent(principal.agentId);
      expect(rows.map((row) => row.name).sort()).toEqual(['old', 'web']);
      expect(rows.find((row) => row.name === 'web')).toMatchObject({
        container_id: web.containerId,
        stack_name: 'shop',
        stack_service: 'web',
        health: 'healthy',
        state: 'running',
        cpu_percent: 0.5,
        memory_bytes: 1_000_000,
        exit_code: null,
        created_at: '2023-11-14T22:13:20.000Z',
        last_synced_at: '2025-03-01T12:00:00.000Z',
      });
      expect(JSON.parse(rows.find((row) => row.name === 'web')!.ports)).toEqual([
        { ip: '0.0.0.0', privatePort: 80, publicPort: 8080, protocol: 'tcp' },
        { ip: '', privatePort: 443, publicPort: null, protocol: 'tcp' },
      ]);
      // A stopped container's figures are not measurements, and Docker's zero start time is "never".
      expect(rows.find((row) => row.name === 'old')).toMatchObject({ state: 'exited', exit_code: 137, cpu_percent: null, memory_bytes: null, started_at: null });
      expect(await repo.getEngine(principal.agentId)).toMatchObject({ available: 1, problem: null, endpoint: 'unix:///var/run/docker.sock', version: '20.10.24' });
      expect(published).toEqual([{ name: 'containers.synced', payload: { orgId: principal.orgId, agentId: principal.agentId, at: '2025-03-01T12:00:00.000Z' } }]);
    });

    it('updates figures without telling anyone when only CPU, memory and the status text moved', async () => {
      const web = containerState({ name: 'web' });
      await sync.recordState(principal, dockerState([web]));
      published = [];
      const id = (await repo.listByAgent(principal.agentId))[0]!.id;

      await sync.recordState(principal, dockerState([containerState({ ...web, cpuPercent: 75, memoryBytes: 9_000_000n, statusText: 'Up 3 seconds' })]));

      expect(published).toEqual([]);
      expect((await repo.listByAgent(principal.agentId))[0]).toMatchObject({ id, cpu_percent: 75, memory_bytes: 9_000_000, status_text: 'Up 3 seconds' });
    });

    it('removes containers the host no longer lists, adds new ones, and keeps the ids of the rest', async () => {
      const keep = containerState({ name: 'keep' });
      const drop = containerState({ name: 'drop' });
      await sync.recordState(principal, dockerState([keep, drop]));
      const keptId = (await repo.getByContainerId(principal.agentId, keep.containerId))!.id;
      published = [];

      await sync.recordState(principal, dockerState([keep, containerState({ name: 'new' })]));

      const rows = await repo.listByAgent(principal.agentId);
      expect(rows.map((row) => row.name).sort()).toEqual(['keep', 'new']);
      expect(rows.find((row) => row.name === 'keep')!.id).toBe(keptId);
      // The heartbeat deleted the row, so it is the one to say so (its destroy event, if it comes, will not).
      expect(published).toEqual([
        { name: 'container.removed', payload: { orgId: principal.orgId, agentId: principal.agentId, containerId: drop.containerId, at: '2025-03-01T12:00:00.000Z' } },
        { name: 'containers.synced', payload: { orgId: principal.orgId, agentId: principal.agentId, at: '2025-03-01T12:00:00.000Z' } },
      ]);
      published = [];
      await sync.recordEvent(principal, create(ContainerEventSchema, { action: 'destroy', containerId: drop.containerId, atUnixMs: 1_740_830_400_000n }));
      expect(published).toEqual([]);
    });

    it('writes only the rows that changed; an unchanged row keeps the time it was last written', async () => {
      const counting = new CountingRepo(handle());
      const clock = new FakeClock(new Date('2025-03-01T12:00:00.000Z'));
      const own = new ContainerSync({ repo: counting, bus, transaction: handle().transaction, clock });
      const idle = containerState({ name: 'idle', state: 'exited', exitCode: 0, cpuPercent: 0, memoryBytes: 0n });
      const busy = containerState({ name: 'busy' });
      await own.recordState(principal, dockerState([idle, busy]));
      expect(counting.upserted).toBe(2);

      clock.advance(10_000);
      await own.recordState(principal, dockerState([idle, containerState({ ...busy, cpuPercent: 42 })]));
      expect(counting.upserted).toBe(3);
      clock.advance(10_000);
      await own.recordState(principal, dockerState([idle, containerState({ ...busy, cpuPercent: 42 })]));
      expect(counting.upserted).toBe(3);

      expect((await repo.getByContainerId(principal.agentId, idle.containerId))!.last_synced_at).toBe('2025-03-01T12:00:00.000Z');
      expect((await repo.getByContainerId(principal.agentId, busy.containerId))!.last_synced_at).toBe('2025-03-01T12:00:10.000Z');
      // The engine's report time says when the host last listed them all: what lastSyncedAt shows.
      expect((await repo.getEngine(principal.agentId))!.reported_at).toBe('2025-03-01T12:00:20.000Z');
      const [listed] = await repo.listInOrg(principal.orgId, { name: 'idle' }, { limit: 1 });
      expect(toContainer(listed!, 'web-1', hostListedAtOf(listed!.engine_available, listed!.engine_reported_at)).lastSyncedAt).toBe('2025-03-01T12:00:20.000Z');
    });

    it('keeps, when Docker stops answering, the time of the last heartbeat that listed the containers', async () => {
      const clock = new FakeClock(new Date('2025-03-01T12:00:00.000Z'));
      const own = new ContainerSync({ repo, bus, transaction: handle().transaction, clock });
      const web = containerState({ name: 'web', state: 'exited', exitCode: 0 });
      await own.recordState(principal, dockerState([web]));
      clock.advance(10_000);
      await own.recordState(principal, dockerState([web]));
      clock.advance(10_000);
      await own.recordState(principal, dockerState([], { available: false, problem: 'cannot reach the Docker Engine', engineVersion: '' }));
      clock.advance(10_000);
      await own.recordState(principal, dockerState([], { available: false, problem: 'cannot reach the Docker Engine', engineVersion: '' }));

      const [listed] = await repo.listInOrg(principal.orgId, { name: 'web' }, { limit: 1 });
      expect(listed!.last_synced_at).toBe('2025-03-01T12:00:10.000Z');
      expect(toContainer(listed!, 'web-1', hostListedAtOf(listed!.engine_available, listed!.engine_reported_at)).lastSyncedAt).toBe('2025-03-01T12:00:10.000Z');
    });

    it('tells when a state changed without an event, e.g. a container that exited while the agent was away', async () => {
      const web = containerState({ name: 'web' });
      await sync.recordState(principal, dockerState([web]));
      published = [];
      await sync.recordState(principal, dockerState([containerState({ ...web, state: 'exited', exitCode: 2 })]));
      expect(eventNames()).toEqual(['containers.synced']);
    });

    it('keeps the last known containers while the engine does not answer, and records why', async () => {
      await sync.recordState(principal, dockerState([containerState({ name: 'web' })]));
      published = [];
      const down = dockerState([], { available: false, problem: 'cannot reach the Docker Engine at unix:///var/run/docker.sock (connect ENOENT)', engineVersion: '' });

      await sync.recordState(principal, down);
      expect((await repo.listByAgent(principal.agentId)).map((row) => row.name)).toEqual(['web']);
      expect(await repo.getEngine(principal.agentId)).toMatchObject({ available: 0, problem: expect.stringContaining('docker.sock'), version: null });
      expect(eventNames()).toEqual(['containers.synced']);

      // Still down: nothing new to say.
      await sync.recordState(principal, down);
      expect(eventNames()).toEqual(['containers.synced']);
    });
  });

  describe('recordEvent', () => {
    const event = (action: string, state: ContainerState | undefined, extra: { exitCode?: number; atUnixMs?: bigint } = {}) =>
      create(ContainerEventSchema, { action, containerId: state?.containerId ?? '', ...(state ? { state } : {}), atUnixMs: 1_740_830_400_000n, ...extra });

    it('stores a container it had not seen and announces its start', async () => {
      const web = containerState({ name: 'web' });
      await sync.recordEvent(principal, event('start', web));

      const row = (await repo.getByContainerId(principal.agentId, web.containerId))!;
      expect(row).toMatchObject({ name: 'web', state: 'running' });
      expect(eventNames()).toEqual(['container.changed', 'container.started']);
      expect(published[0]!.payload).toMatchObject({
        orgId: principal.orgId,
        agentId: principal.agentId,
        event: 'start',
        container: { id: row.id, agentName: 'web-1', name: 'web', state: 'running', ports: expect.any(Array) },
      });
      expect(published[1]!.payload).toEqual({ orgId: principal.orgId, agentId: principal.agentId, containerId: web.containerId, name: 'web', at: '2025-03-01T12:00:00.000Z' });
    });

    it('announces a death with its exit code, and a restart under the restart policy once per restart', async () => {
      const web = containerState({ name: 'looping', restartCount: 0 });
      await sync.recordState(principal, dockerState([web]));
      published = [];

      // Docker marks the container restarting before the die event reaches us.
      await sync.recordEvent(principal, event('die', containerState({ ...web, state: 'restarting', exitCode: 1, restartCount: 0 }), { exitCode: 1 }));
      expect(eventNames()).toEqual(['container.changed', 'container.died', 'container.restarting']);
      expect(published[1]!.payload).toMatchObject({ containerId: web.containerId, name: 'looping', exitCode: 1 });

      published = [];
      await sync.recordEvent(principal, event('start', containerState({ ...web, state: 'running', restartCount: 1 })));
      expect(eventNames()).toEqual(['container.changed', 'container.started']);

      // A die whose container is simply exited, then a start with a higher count: the start says it restarted.
      published = [];
      await sync.recordEvent(principal, event('die', containerState({ ...web, state: 'exited', exitCode: 1, restartCount: 1 }), { exitCode: 1 }));
      await sync.recordEvent(principal, event('start', containerState({ ...web, state: 'running', restartCount: 2 })));
      expect(eventNames()).toEqual(['container.changed', 'container.died', 'container.changed', 'container.started', 'container.restarting']);
      expect(published.at(-1)!.payload).toMatchObject({ restartCount: 2 });
      expect((await repo.getByContainerId(principal.agentId, web.containerId))!.restart_count).toBe(2);
    });

    it('removes the row on destroy and says so; a destroy of an unknown container says nothing', async () => {
      const web = containerState({ name: 'web' });
      await sync.recordState(principal, dockerState([web]));
      published = [];

      await sync.recordEvent(principal, create(ContainerEventSchema, { action: 'destroy', containerId: web.containerId, atUnixMs: 1_740_830_400_000n }));
      expect(await repo.getByContainerId(principal.agentId, web.containerId)).toBeUndefined();
      expect(published).toEqual([
        { name: 'container.removed', payload: { orgId: principal.orgId, agentId: principal.agentId, containerId: web.containerId, at: '2025-03-01T12:00:00.000Z' } },
      ]);

      published = [];
      await sync.recordEvent(principal, create(ContainerEventSchema, { action: 'destroy', containerId: 'f'.repeat(64) }));
      expect(published).toEqual([]);
    });

    it('keeps one row when an event and a heartbeat bring the same new container at once', async () => {
      for (let round = 0; round < 5; round += 1) {
        const web = containerState({ name: `race-${round}` });
        await Promise.all([sync.recordEvent(principal, event('create', containerState({ ...web, state: 'created' }))), sync.recordState(principal, dockerState([web]))]);
        expect((await repo.listByAgent(principal.agentId)).filter((row) => row.container_id === web.containerId)).toHaveLength(1);
      }
    });
  });

  describe('a snapshot overtaken by events (sequence numbers)', () => {
    const numbered = (action: string, state: ContainerState | undefined, sequence: bigint, containerId = state?.containerId ?? '') =>
      create(ContainerEventSchema, { action, containerId, ...(state ? { state } : {}), atUnixMs: 1_740_830_400_000n, sequence });
    const snapshot = (containers: ContainerState[], sequence: bigint) => dockerState(containers, { sequence });
    const row = (container: ContainerState) => repo.getByContainerId(principal.agentId, container.containerId);

    // Regression: a heartbeat taken before a destroy, arriving after it, brought the container back.
    it('does not bring back a container destroyed after the snapshot was taken', async () => {
      const web = containerState({ name: 'web' });
      await sync.recordState(principal, snapshot([web], 10n));
      published = [];

      await sync.recordEvent(principal, numbered('destroy', undefined, 20n, web.containerId));
      await sync.recordState(principal, snapshot([web], 19n));
      expect(await row(web)).toBeUndefined();
      expect(eventNames()).toEqual(['container.removed']);

      // A snapshot that reflects the destroy agrees; one from an agent that does not number events applies as it always did.
      await sync.recordState(principal, snapshot([], 20n));
      expect(await row(web)).toBeUndefined();
      await sync.recordState(principal, snapshot([web], 0n));
      expect(await row(web)).toBeDefined();
    });

    // Regression: a heartbeat taken before a create, arriving after it, deleted the new container.
    it('keeps a container created after the snapshot was taken', async () => {
      const web = containerState({ name: 'web', state: 'created', cpuPercent: 0, memoryBytes: 0n, startedAtUnixMs: 0n });
      await sync.recordEvent(principal, numbered('create', web, 30n));
      published = [];
      await sync.recordState(principal, snapshot([], 29n));
      expect(await row(web)).toMatchObject({ state: 'created' });
      expect(eventNames()).not.toContain('container.removed');

      // Once a snapshot has seen the create, not listing the container means it went.
      await sync.recordState(principal, snapshot([], 31n));
      expect(await row(web)).toBeUndefined();
    });

    // Regression: a heartbeat taken before a die, arriving after it, showed the dead container running.
    it('keeps the state a newer event left, but takes the figures of a running container', async () => {
      const web = containerState({ name: 'web', statusText: 'Up 1 second', cpuPercent: 1 });
      await sync.recordEvent(principal, numbered('start', web, 40n));
      await sync.recordState(principal, snapshot([containerState({ ...web, statusText: 'Up 1 minute', cpuPercent: 80, memoryBytes: 7_000_000n, restartCount: 3 })], 39n));
      expect(await row(web)).toMatchObject({ state: 'running', status_text: 'Up 1 second', restart_count: 0, cpu_percent: 80, memory_bytes: 7_000_000 });

      await sync.recordEvent(principal, numbered('die', containerState({ ...web, state: 'exited', exitCode: 1, statusText: 'Exited (1)' }), 50n));
      published = [];
      await sync.recordState(principal, snapshot([containerState({ ...web, cpuPercent: 90 })], 49n));
      expect(await row(web)).toMatchObject({ state: 'exited', exit_code: 1, status_text: 'Exited (1)', cpu_percent: null });
      expect(published).toEqual([]);

      // A snapshot newer than the die is the truth again (say, the container was started since).
      await sync.recordState(principal, snapshot([containerState({ ...web, statusText: 'Up 2 seconds' })], 51n));
      expect(await row(web)).toMatchObject({ state: 'running', status_text: 'Up 2 seconds' });
    });

    it('says container.removed once when the API removes a container, whatever arrives after', async () => {
      const web = containerState({ name: 'web' });
      await sync.recordState(principal, snapshot([web], 60n));
      published = [];

      await sync.recordRemoval(principal, web.containerId);
      expect(await row(web)).toBeUndefined();
      // Docker's die and destroy events about it, and a heartbeat taken before it: none brings it back or repeats the news.
      await sync.recordEvent(principal, numbered('die', containerState({ ...web, state: 'exited', exitCode: 137 }), 61n));
      await sync.recordState(principal, snapshot([web], 61n));
      await sync.recordEvent(principal, numbered('destroy', undefined, 62n, web.containerId));
      expect(await row(web)).toBeUndefined();
      expect(eventNames()).toEqual(['container.removed']);
      expect(published[0]!.payload).toMatchObject({ agentId: principal.agentId, containerId: web.containerId });

      // The destroy event got there first: the removal through the API has nothing left to say.
      const other = containerState({ name: 'other' });
      await sync.recordState(principal, snapshot([other], 70n));
      published = [];
      await sync.recordEvent(principal, numbered('destroy', undefined, 71n, other.containerId));
      await sync.recordRemoval(principal, other.containerId);
      expect(eventNames()).toEqual(['container.removed']);
    });

    it('forgets what it applied after a couple of minutes', async () => {
      const clock = new FakeClock(new Date('2025-03-01T12:00:00.000Z'));
      const own = new ContainerSync({ repo, bus, transaction: handle().transaction, clock });
      const web = containerState({ name: 'web' });
      await own.recordEvent(principal, numbered('destroy', undefined, 80n, web.containerId));
      await own.recordState(principal, snapshot([web], 79n));
      expect(await row(web)).toBeUndefined();
      clock.advance(3 * 60_000);
      await own.recordState(principal, snapshot([web], 79n));
      expect(await row(web)).toBeDefined();
    });
  });
});