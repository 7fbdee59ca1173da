import { randomInt } from 'node:crypto';
import { ContainerInspectSchema } from '@infrapilot/protocol';
import { DockerResourceKind } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { DEFAULT_POLICY } from '../../policy.js';
import { DOCKER_TEST_IMAGE, docker, failureOf, fakeContext, handlerFor, payload, removeContainers, startContainer, uniqueName } from '../../test-helpers/docker.js';
import type { ResultPayload } from '../registry.js';
import { createDocker, type AgentDocker } from './index.js';

type ResultOf<Case extends ResultPayload['case']> = Extract<ResultPayload, { case: Case }>['value'];

function valueOf<Case extends ResultPayload['case']>(result: ResultPayload, expected: Case): ResultOf<Case> {
  if (result.case !== expected) throw new Error(`expected ${expected}, got ${result.case}`);
  return result.value as unknown as ResultOf<Case>;
}

describe('container queries and resources against the real Docker Engine', () => {
  let agentDocker: AgentDocker;
  const project = uniqueName('ipres');
  const running = uniqueName('ip-query');
  const stopped = uniqueName('ip-query-stopped');
  const volume = uniqueName('ip-vol');
  const network = uniqueName('ip-net');
  const subnet = `10.${randomInt(100, 250)}.${randomInt(0, 255)}.0/24`;
  let runningId: string;

  const ask = (init: Parameters<typeof payload>[0]) => {
    const command = { containerList: 'container.list', containerInspect: 'container.inspect', containerStats: 'container.stats', dockerResources: 'docker.resources' } as const;
    return handlerFor(agentDocker.capabilities, command[init.case as keyof typeof command]).handle(payload(init), fakeContext().context);
  };

  beforeAll(async () => {
    agentDocker = createDocker({ policy: DEFAULT_POLICY, logger: silentLogger });
    await docker(['volume', 'create', '--label', 'infrapilot.test=1', '--label', `com.docker.compose.project=${project}`, volume]);
    await docker(['network', 'create', '--label', 'infrapilot.test=1', '--label', `com.docker.compose.project=${project}`, '--subnet', subnet, network]);
    runningId = await startContainer(
      running,
      ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'],
      ['-e', 'SECRET_TOKEN=s3cret=x', '-w', '/tmp', '--hostname', 'query-host', '-v', `${volume}:/data`, '--network', network, '--label', `com.docker.compose.project=${project}`, '--restart', 'unless-stopped'],
    );
    await startContainer(stopped, ['true'], [], { created: true });
  });

  afterAll(async () => {
    await removeContainers([running, stopped]);
    await docker(['volume', 'rm', volume]).catch(() => undefined);
    await docker(['network', 'rm', network]).catch(() => undefined);
    await agentDocker?.close();
  });

  it('inspects a container into the ContainerInspect shape, env values included', async () => {
    const detail = ContainerInspectSchema.parse(JSON.parse(valueOf(await ask({ case: 'containerInspect', value: { container: running } }), 'containerInspect').detailJson));
    expect(detail).toMatchObject({
      containerId: runningId,
      name: running,
      image: DOCKER_TEST_IMAGE,
      state: 'running',
      exitCode: 0,
      restartCount: 0,
      restartPolicy: 'unless-stopped',
      health: null,
      command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'],
      workingDir: '/tmp',
      hostname: 'query-host',
      tty: false,
      stack: project,
      stackService: null,
      finishedAt: null,
    });
    expect(detail.env).toContainEqual({ name: 'SECRET_TOKEN', value: 's3cret=x' });
    expect(detail.labels).toMatchObject({ 'infrapilot.test': '1', 'com.docker.compose.project': project });
    expect(detail.mounts).toEqual([{ type: 'volume', name: volume, source: expect.stringContaining(volume), destination: '/data', mode: 'z', readOnly: false }]);
    expect(detail.networks).toEqual([expect.objectContaining({ name: network, ipAddress: expect.stringMatching(/^10\./) })]);
    expect(detail.imageId).toBe(await docker(['inspect', '-f', '{{.Image}}', running]));

    // A container that never ran has no start, finish or exit code.
    const fresh = ContainerInspectSchema.parse(JSON.parse(valueOf(await ask({ case: 'containerInspect', value: { container: stopped } }), 'containerInspect').detailJson));
    expect(fresh).toMatchObject({ state: 'created', startedAt: null, finishedAt: null, exitCode: null });
  });

  it('answers not_found for inspect and stats of an unknown container', async () => {
    const missing = uniqueName('ip-ghost');
    for (const init of [
      { case: 'containerInspect', value: { container: missing } },
      { case: 'containerStats', value: { container: missing } },
    ] as const) {
      expect(await failureOf(ask(init))).toMatchObject({ code: 'not_found', message: `No container "${missing}" on this host` });
    }
  });

  it('reads one-shot stats of a running container and zeros for a stopped one', async () => {
    const stats = valueOf(await ask({ case: 'containerStats', value: { container: running } }), 'containerStats');
    expect(stats.memoryBytes).toBeGreaterThan(0n);
    expect(stats.memoryLimitBytes).toBeGreaterThan(0n);
    expect(stats.pids).toBeGreaterThanOrEqual(1);
    expect(stats.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(Math.abs(Number(stats.readAtUnixMs) - Date.now())).toBeLessThan(60_000);

    const idle = valueOf(await ask({ case: 'containerStats', value: { container: stopped } }), 'containerStats');
    expect(idle).toMatchObject({ cpuPercent: 0, memoryBytes: 0n, pids: 0 });
  });

  it('lists containers afresh on request', async () => {
    const state = valueOf(await ask({ case: 'containerList', value: {} }), 'containerList').state!;
    expect(state.available).toBe(true);
    expect(state.containers.find((container) => container.containerId === runningId)).toMatchObject({ name: running, state: 'running', stackName: project });
    expect(state.containers.find((container) => container.name === stopped)).toMatchObject({ state: 'created' });
  });

  it('lists images, volumes and networks with their compose project and usage', async () => {
    const all = valueOf(await ask({ case: 'dockerResources', value: { kind: DockerResourceKind.UNSPECIFIED } }), 'dockerResources');
    const imageId = await docker(['image', 'inspect', '-f', '{{.Id}}', DOCKER_TEST_IMAGE]);
    const image = all.images.find((candidate) => candidate.id === imageId);
    expect(image?.tags).toContain(DOCKER_TEST_IMAGE);
    expect(image?.containers).toBeGreaterThanOrEqual(2);
    expect(image?.sizeBytes).toBeGreaterThan(0n);
    expect(all.volumes.find((candidate) => candidate.name === volume)).toMatchObject({ driver: 'local', stackName: project, mountpoint: expect.stringContaining(volume) });
    expect(all.networks.find((candidate) => candidate.name === network)).toMatchObject({ driver: 'bridge', scope: 'local', internal: false, subnets: [subnet], containers: 1, stackName: project });

    const onlyVolumes = valueOf(await ask({ case: 'dockerResources', value: { kind: DockerResourceKind.VOLUMES } }), 'dockerResources');
    expect(onlyVolumes.images).toEqual([]);
    expect(onlyVolumes.networks).toEqual([]);
    expect(onlyVolumes.volumes.some((candidate) => candidate.name === volume)).toBe(true);
  });
});
