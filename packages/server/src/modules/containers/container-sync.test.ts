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
import { ContainerSync } from './container-sync.js';
import { ContainersRepo } from './containers.repo.js';

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
      expect(eventNames()).toEqual(['containers.synced']);
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
});
