import { ContainerAction } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { DEFAULT_POLICY, parsePolicy } from '../../policy.js';
import { containerStatus, docker, eventually, failureOf, fakeContext, handlerFor, payload, removeContainers, startContainer, uniqueName } from '../../test-helpers/docker.js';
import { createDocker, type AgentDocker } from './index.js';

// sh as PID 1 ignores SIGTERM unless it traps it; this one stops at once when asked.
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

describe('container and stack actions against the real Docker Engine', () => {
  let agentDocker: AgentDocker;
  let lookOnly: AgentDocker;
  const created: string[] = [];

  const name = (prefix: string) => {
    const value = uniqueName(prefix);
    created.push(value);
    return value;
  };
  const act = (target: AgentDocker, container: string, action: ContainerAction, extra: { force?: boolean; timeoutSeconds?: number } = {}) =>
    handlerFor(target.capabilities, 'container.action').handle(
      payload({ case: 'containerAction', value: { container, action, ...extra } }),
      fakeContext().context,
    );

  beforeAll(() => {
    agentDocker = createDocker({ policy: DEFAULT_POLICY, logger: silentLogger });
    lookOnly = createDocker({
      policy: parsePolicy({ docker: { actions: ['start', 'stop', 'restart'] } }, '/tmp/look-only.yaml'),
      policyPath: '/tmp/look-only.yaml',
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    await removeContainers(created);
    await agentDocker?.close();
    await lookOnly?.close();
  });

  it('starts, stops, restarts and removes a container, as the docker CLI sees it', async () => {
    const container = name('ip-actions');
    const id = await startContainer(container, SLEEPER, [], { created: true });
    expect(await containerStatus(container)).toBe('created');

    const started = await act(agentDocker, container, ContainerAction.START);
    expect(await containerStatus(container)).toBe('running');
    expect(started.case === 'containerAction' && started.value.state).toMatchObject({ containerId: id, name: container, state: 'running' });

    // Already running: Docker answers 304, which is success, not an error.
    await act(agentDocker, container, ContainerAction.START);
    expect(await containerStatus(container)).toBe('running');

    const stopped = await act(agentDocker, container, ContainerAction.STOP, { timeoutSeconds: 5 });
    expect(await containerStatus(container)).toBe('exited');
    expect(stopped.case === 'containerAction' && stopped.value.state?.state).toBe('exited');
    await act(agentDocker, container, ContainerAction.STOP);

    const before = await docker(['inspect', '-f', '{{.State.StartedAt}}', container]);
    const restarted = await act(agentDocker, container, ContainerAction.RESTART, { timeoutSeconds: 5 });
    expect(await containerStatus(container)).toBe('running');
    expect(await docker(['inspect', '-f', '{{.State.StartedAt}}', container])).not.toBe(before);
    expect(restarted.case === 'containerAction' && Number(restarted.value.state?.startedAtUnixMs)).toBeGreaterThan(Date.parse(before));

    await act(agentDocker, container, ContainerAction.STOP, { timeoutSeconds: 5 });
    const removed = await act(agentDocker, container, ContainerAction.REMOVE);
    expect(await containerStatus(container)).toBe('missing');
    expect(removed.case === 'containerAction' && removed.value.state).toBeUndefined();
  });

  it('refuses to remove a running container without force (conflict) and removes it with force', async () => {
    const container = name('ip-running');
    await startContainer(container, SLEEPER);
    const refusal = await failureOf(act(agentDocker, container, ContainerAction.REMOVE));
    expect(refusal.code).toBe('conflict');
    expect(refusal.message).toMatch(/running container/i);
    expect(await containerStatus(container)).toBe('running');

    await act(agentDocker, container, ContainerAction.REMOVE, { force: true });
    expect(await containerStatus(container)).toBe('missing');
  });

  it('answers not_found for a container that does not exist, naming it', async () => {
    const missing = uniqueName('ip-nobody');
    const failure = await failureOf(act(agentDocker, missing, ContainerAction.START));
    expect(failure.code).toBe('not_found');
    expect(failure.message).toBe(`No container "${missing}" on this host`);
  });

  // Docker answers 500 when a container's user does not exist; that is the container's
  // configuration to fix, not Docker failing, and read as "failed" it looked like an outage.
  it('answers invalid_argument when Docker says the container cannot start as configured', async () => {
    const container = name('ip-baduser');
    await startContainer(container, ['id'], ['--user', 'nobody-here'], { created: true });
    const failure = await failureOf(act(agentDocker, container, ContainerAction.START));
    expect(failure).toMatchObject({ code: 'invalid_argument', message: 'unable to find user nobody-here: no matching entries in passwd file' });
  });

  it('refuses an action the policy does not allow, without touching the container', async () => {
    const container = name('ip-guarded');
    await startContainer(container, SLEEPER);
    const failure = await failureOf(act(lookOnly, container, ContainerAction.REMOVE, { force: true }));
    expect(failure.code).toBe('forbidden_by_policy');
    expect(failure.message).toBe('The policy file (/tmp/look-only.yaml) does not allow "remove" (docker.actions)');
    expect(await containerStatus(container)).toBe('running');
  });

  it('rejects a container reference outside the name grammar before asking Docker', async () => {
    for (const bad of ['../containers/x', '-rf', '', 'a b', 'x'.repeat(200), 'a\0b']) {
      const failure = await failureOf(act(agentDocker, bad, ContainerAction.STOP));
      expect(failure.code).toBe('invalid_argument');
    }
    const unspecified = await failureOf(act(agentDocker, 'anything', ContainerAction.UNSPECIFIED));
    expect(unspecified.code).toBe('invalid_argument');
  });

  it('restarts and stops a compose stack as one', async () => {
    const project = uniqueName('ipstack');
    const web = name(`${project}-web`);
    const db = name(`${project}-db`);
    for (const [container, service] of [
      [web, 'web'],
      [db, 'db'],
    ] as const) {
      await startContainer(container, SLEEPER, ['--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${service}`]);
    }
    await docker(['stop', '-t', '5', db]);
    const stack = (action: ContainerAction, target = project) =>
      handlerFor(agentDocker.capabilities, 'stack.action').handle(
        payload({ case: 'stackAction', value: { project: target, action, timeoutSeconds: 5 } }),
        fakeContext().context,
      );

    const restarted = await stack(ContainerAction.RESTART);
    expect(await containerStatus(web)).toBe('running');
    expect(await containerStatus(db)).toBe('running');
    const states = restarted.case === 'stackAction' ? restarted.value.containers : [];
    expect(states.map((state) => [state.name, state.state, state.stackName, state.stackService])).toEqual([
      [db, 'running', project, 'db'],
      [web, 'running', project, 'web'],
    ]);

    await stack(ContainerAction.STOP);
    expect(await containerStatus(web)).toBe('exited');
    expect(await containerStatus(db)).toBe('exited');

    const unknown = await failureOf(stack(ContainerAction.START, uniqueName('nostack')));
    expect(unknown.code).toBe('not_found');
    const badName = await failureOf(stack(ContainerAction.START, 'Not_A_Stack!'));
    expect(badName.code).toBe('invalid_argument');
    const remove = await failureOf(stack(ContainerAction.REMOVE));
    expect(remove.code).toBe('invalid_argument');
  });

  it('refuses a stack action the policy does not allow', async () => {
    const denied = createDocker({ policy: parsePolicy({ docker: { actions: [] } }, '/tmp/none.yaml'), policyPath: '/tmp/none.yaml', logger: silentLogger });
    try {
      const failure = await failureOf(
        handlerFor(denied.capabilities, 'stack.action').handle(payload({ case: 'stackAction', value: { project: 'anything', action: ContainerAction.RESTART } }), fakeContext().context),
      );
      expect(failure.code).toBe('forbidden_by_policy');
      expect(failure.message).toContain('"restart"');
    } finally {
      await denied.close();
    }
  });

  it('sees the effect of an action in its monitor through Docker events', async () => {
    const container = name('ip-watched');
    const id = await startContainer(container, SLEEPER);
    await eventually(async () => (await agentDocker.state.state()).containers.find((state) => state.containerId === id)?.state === 'running', 'the monitor shows it running');
    await act(agentDocker, container, ContainerAction.STOP, { timeoutSeconds: 5 });
    await eventually(async () => (await agentDocker.state.state()).containers.find((state) => state.containerId === id)?.state === 'exited', 'the monitor shows it exited');
  });
});
