import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { type DockerTestAgent, startDockerAgent } from '../../test-helpers/docker.js';
import { privateDockerd, type PrivateDockerd } from '../../test-helpers/private-dockerd.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

describe('a host whose dockerd stops and starts again', () => {
  let server: TestServer;
  let dockerd: PrivateDockerd;
  let agent: DockerTestAgent;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dockerd = privateDockerd();
    await dockerd.start();
    agent = await startDockerAgent(server.admin, 'restarting-docker', { socketPath: dockerd.socketPath });
  });
  afterAll(async () => {
    await agent?.destroy();
    await dockerd?.destroy();
    await server?.destroy();
  });

  it('answers 503 docker_unavailable naming the socket while dockerd is down, and works again once it is back', async () => {
    const engineOf = () => server.admin.docker.engine(agent.agentId);
    await eventually(async () => (await engineOf()).available, 'Docker is reported available');
    expect((await server.admin.docker.images(agent.agentId)).items).toEqual([]);

    await dockerd.stop();
    const engine = await eventually(async () => {
      const current = await engineOf();
      return current.available ? undefined : current;
    }, 'the heartbeat reports Docker unavailable');
    expect(engine.problem).toContain(dockerd.socketPath);
    const failure = await apiFailure(server.admin.docker.images(agent.agentId));
    expect({ status: failure.status, code: failure.code }).toEqual({ status: 503, code: 'docker_unavailable' });
    expect(failure.message).toContain('restarting-docker');
    expect(failure.message).toContain(dockerd.socketPath);

    await dockerd.start();
    // The agent keeps retrying (0.5 s doubling to 5 s): no restart of the agent is needed.
    await eventually(async () => (await engineOf()).available, 'Docker is reported available again', 30_000);
    expect((await server.admin.docker.networks(agent.agentId)).items.map((network) => network.name).sort()).toEqual(['host', 'none']);
  });
});
