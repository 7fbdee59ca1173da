import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerAction, type ContainerEvent } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type AgentLogger } from '../../logger.js';
import { DEFAULT_POLICY, parsePolicy } from '../../policy.js';
import { docker, eventually, failureOf, fakeContext, handlerFor, payload, removeContainers, startContainer, uniqueName } from '../../test-helpers/docker.js';
import { resolveDockerSocket } from './docker-engine.js';
import { createDocker, type AgentDocker } from './index.js';

const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

describe('resolveDockerSocket', () => {
  it('takes the option, then a unix:// DOCKER_HOST, then the default socket', () => {
    expect(resolveDockerSocket('/run/other.sock', { DOCKER_HOST: 'unix:///ignored.sock' })).toEqual({ socketPath: '/run/other.sock', endpoint: 'unix:///run/other.sock' });
    expect(resolveDockerSocket(undefined, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({
      socketPath: '/run/user/1000/docker.sock',
      endpoint: 'unix:///run/user/1000/docker.sock',
    });
    expect(resolveDockerSocket(undefined, {})).toEqual({ socketPath: '/var/run/docker.sock', endpoint: 'unix:///var/run/docker.sock' });
  });

  it('refuses a TCP or SSH DOCKER_HOST with a reason', () => {
    for (const host of ['tcp://10.0.0.1:2375', 'ssh://root@host']) {
      expect(resolveDockerSocket(undefined, { DOCKER_HOST: host }).problem).toContain(`DOCKER_HOST=${host} is not supported`);
    }
  });
});

describe('the Docker monitor against the real Docker Engine', () => {
  let agentDocker: AgentDocker;
  const events: ContainerEvent[] = [];
  const created: string[] = [];
  const name = (prefix: string) => {
    const value = uniqueName(prefix);
    created.push(value);
    return value;
  };
  const stateOf = async (id: string) => (await agentDocker.state.state()).containers.find((container) => container.containerId === id);

  beforeAll(() => {
    // Refresh on every state() call, so figures move as fast as the test asks.
    agentDocker = createDocker({ policy: DEFAULT_POLICY, logger: silentLogger, monitor: { minRefreshIntervalMs: 0 } });
    agentDocker.state.onEvent((event) => events.push(event));
  });

  afterAll(async () => {
    await removeContainers(created);
    await agentDocker?.close();
  });

  it('reports the Engine and each container with what only inspect knows', async () => {
    const project = uniqueName('ipmon');
    const container = name('ip-mon');
    const id = await startContainer(container, SLEEPER, ['-p', '127.0.0.1::80', '--label', `com.docker.compose.project=${project}`, '--label', 'com.docker.compose.service=api']);
    const imageId = await docker(['inspect', '-f', '{{.Image}}', container]);
    const state = await agentDocker.state.state();
    expect(state).toMatchObject({ available: true, problem: '', endpoint: 'unix:///var/run/docker.sock' });
    expect(state.engineVersion).toBe(await docker(['version', '-f', '{{.Server.Version}}']));
    // The create event can be handled before the start event: wait for the running state.
    const seen = await eventually(async () => {
      const state = await stateOf(id);
      return state?.state === 'running' ? state : undefined;
    }, 'the running container is in the snapshot');
    expect(seen).toMatchObject({ containerId: id, name: container, imageId, state: 'running', stackName: project, stackService: 'api', restartCount: 0, exitCode: 0, health: '' });
    expect(seen.image).toContain('busybox');
    expect(seen.statusText).toMatch(/^Up /);
    expect(Number(seen.createdAtUnixMs)).toBeGreaterThan(0);
    expect(Number(seen.startedAtUnixMs)).toBeGreaterThanOrEqual(Math.floor(Number(seen.createdAtUnixMs) / 1000) * 1000);
    const hostPort = Number((await docker(['port', container, '80/tcp'])).split(':').at(-1));
    expect(seen.ports).toEqual([expect.objectContaining({ ip: '127.0.0.1', privatePort: 80, publicPort: hostPort, protocol: 'tcp' })]);
  });

  it('samples CPU and memory of running containers between heartbeats', async () => {
    const container = name('ip-busy');
    const id = await startContainer(container, ['sh', '-c', 'while :; do :; done']);
    const busy = await eventually(async () => {
      const state = await stateOf(id);
      return state && state.cpuPercent > 20 && state.memoryBytes > 0n ? state : undefined;
    }, 'CPU above 20 % and some memory');
    expect(busy.memoryLimitBytes).toBeGreaterThan(0n);
  });

  it('follows a crash-looping container: restart count rises, die events carry exit code 1', async () => {
    const container = name('ip-crash');
    const id = await startContainer(container, ['sh', '-c', 'echo boom; exit 1'], ['--restart', 'always']);
    await eventually(() => events.filter((event) => event.containerId === id && event.action === 'die').length >= 3, 'three die events');
    const dies = events.filter((event) => event.containerId === id && event.action === 'die');
    expect(dies.every((event) => event.exitCode === 1)).toBe(true);
    expect(events.some((event) => event.containerId === id && event.action === 'start')).toBe(true);
    expect(Math.max(...events.filter((event) => event.containerId === id).map((event) => event.state?.restartCount ?? 0))).toBeGreaterThanOrEqual(2);
    await eventually(async () => ((await stateOf(id))?.restartCount ?? 0) >= 3, 'the snapshot shows three restarts');
    expect(Number(await docker(['inspect', '-f', '{{.RestartCount}}', container]))).toBeGreaterThanOrEqual(3);
  });

  it('passes on create, start, die and destroy with the state after each (none after destroy)', async () => {
    const container = uniqueName('ip-brief');
    const id = await startContainer(container, ['sh', '-c', 'exit 4']);
    await docker(['wait', container]);
    await docker(['rm', container]);
    const mine = await eventually(() => {
      const list = events.filter((event) => event.containerId === id);
      return list.some((event) => event.action === 'destroy') ? list : undefined;
    }, 'the destroy event');
    expect(mine.map((event) => event.action)).toEqual(['create', 'start', 'die', 'destroy']);
    expect(mine[0]!.state?.name).toBe(container);
    expect(mine.find((event) => event.action === 'die')?.exitCode).toBe(4);
    expect(mine.at(-1)!.state).toBeUndefined();
    expect(mine.every((event) => event.atUnixMs > 0n)).toBe(true);
    expect(await stateOf(id)).toBeUndefined();
  });

  // A heartbeat's snapshot taken before an event could reach the control plane after it
  // and undo it (a container shown running again after it died): nothing said which was newer.
  it('numbers events in strictly increasing order, and a state carries the sequence of the last event it reflects', async () => {
    const container = name('ip-sequence');
    const startedAt = Date.now();
    const before = await agentDocker.state.state();
    const id = await startContainer(container, SLEEPER);
    const started = await eventually(() => events.find((event) => event.containerId === id && event.action === 'start'), 'the start event');
    const after = await agentDocker.state.state();
    expect(before.sequence).toBeLessThan(started.sequence);
    expect(after.sequence).toBeGreaterThanOrEqual(started.sequence);
    expect(after.containers.find((state) => state.containerId === id)?.state).toBe('running');
    // Microseconds of wall-clock time, so a restarted agent goes on counting upwards.
    expect(started.sequence).toBeGreaterThanOrEqual(BigInt(startedAt) * 1000n);
    const sequences = events.map((event) => event.sequence);
    expect(sequences.every((sequence, index) => index === 0 || sequence > sequences[index - 1]!)).toBe(true);

    // Another agent (as after a restart) numbers its events above those of the one before.
    const lastBefore = events.at(-1)!.sequence;
    const restarted = createDocker({ policy: DEFAULT_POLICY, logger: silentLogger });
    try {
      const later: ContainerEvent[] = [];
      restarted.state.onEvent((event) => later.push(event));
      const first = await eventually(async () => {
        const state = await restarted.state.state();
        return state.available ? state : undefined;
      }, 'the second monitor sees Docker');
      // Before any event of its own, its snapshot is not older than what the first one sent.
      expect(first.sequence).toBeGreaterThanOrEqual(lastBefore);
      await docker(['stop', '-t', '1', container]);
      const died = await eventually(() => later.find((event) => event.containerId === id && event.action === 'die'), 'the die event');
      expect(died.sequence).toBeGreaterThan(lastBefore);
      expect((await restarted.state.state()).sequence).toBeGreaterThanOrEqual(died.sequence);
    } finally {
      await restarted.close();
    }
  });

  it('reports Docker unavailable, naming the socket, and recovers within seconds once it answers', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'infrapilot-docker-'));
    const socketPath = join(directory, 'docker.sock');
    const warnings: string[] = [];
    const logger: AgentLogger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const away = createDocker({ policy: parsePolicy({ capabilities: { exec: true } }, 'test'), logger, socketPath });
    try {
      const expected = `cannot reach the Docker Engine at unix://${socketPath} (connect ENOENT)`;
      const down = await away.state.state();
      expect(down).toMatchObject({ available: false, problem: expected, endpoint: `unix://${socketPath}`, containers: [] });
      expect(warnings.some((warning) => warning.includes(expected))).toBe(true);

      // Every command says the same, so the API can answer 503 with it.
      const list = await failureOf(handlerFor(away.capabilities, 'container.list').handle(payload({ case: 'containerList', value: {} }), fakeContext().context));
      expect(list).toMatchObject({ code: 'docker_unavailable', message: expected });
      const action = await failureOf(
        handlerFor(away.capabilities, 'container.action').handle(payload({ case: 'containerAction', value: { container: 'web', action: ContainerAction.RESTART } }), fakeContext().context),
      );
      expect(action).toMatchObject({ code: 'docker_unavailable', message: expected });
      const exec = await failureOf(
        handlerFor(away.capabilities, 'container.exec').handle(payload({ case: 'containerExec', value: { container: 'web', argv: ['sh'] } }), fakeContext().context),
      );
      expect(exec).toMatchObject({ code: 'docker_unavailable', message: expected });

      symlinkSync('/var/run/docker.sock', socketPath);
      const up = await eventually(async () => {
        const state = await away.state.state();
        return state.available ? state : undefined;
      }, 'Docker available again', 10_000);
      expect(up.containers.length).toBeGreaterThan(0);
    } finally {
      await away.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('does not watch Docker when the policy turns the docker capability off', async () => {
    const off = createDocker({ policy: parsePolicy({ capabilities: { docker: false } }, '/tmp/no-docker.yaml'), policyPath: '/tmp/no-docker.yaml', logger: silentLogger });
    try {
      expect(await off.state.state()).toMatchObject({
        available: false,
        problem: 'the policy file (/tmp/no-docker.yaml) does not allow the docker capability',
        containers: [],
      });
    } finally {
      await off.close();
    }
  });
});
