import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_EXEC_SUFFIX } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { openContainerSocket } from '../../test-helpers/container-socket.js';
import { type DockerTestAgent, inspectContainer, startDockerAgent, TestContainers, testPolicy, STOPPABLE_COMMAND } from '../../test-helpers/docker.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';


/** What the host's policy file allows, and what happens when Docker itself is not there. */
describe('containers under a host policy, and without Docker', () => {
  let server: TestServer;
  const agents: DockerTestAgent[] = [];
  const containers = new TestContainers();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await containers.removeAll();
    for (const agent of agents) await agent.destroy();
    await server?.destroy();
  });

  const connected = async (name: string, options: Parameters<typeof startDockerAgent>[2]) => {
    const agent = await startDockerAgent(server.admin, name, options);
    agents.push(agent);
    await eventually(async () => (await server.admin.agents.get(agent.agentId)).connected, `${name} connects`);
    return agent;
  };

  describe('a host whose policy does not allow exec', () => {
    let agent: DockerTestAgent;
    let name: string;

    beforeAll(async () => {
      agent = await connected('no-exec-host', { policy: testPolicy({ exec: false }) });
      ({ name } = await containers.run('no-exec', STOPPABLE_COMMAND));
    });

    it('refuses POST exec with 403 policy_denied that says how to allow it, and audits the refusal', async () => {
      const refused = await apiFailure(server.admin.containers.exec(agent.agentId, name, { command: ['echo', 'hi'] }));
      expect(refused).toMatchObject({ status: 403, code: 'policy_denied' });
      expect(refused.message).toContain('no-exec-host');
      expect(refused.message).toContain('exec: true');
      const { items } = await server.admin.audit.list({ action: 'container.exec', resourceId: name, limit: 1 });
      expect(items[0]).toMatchObject({ responseStatus: 403, resourceType: 'container', actorLabel: 'admin@example.com' });
    });

    it('sends policy_denied on the exec socket, closes with 4403, and audits the refused session', async () => {
      const socket = openContainerSocket(server.admin, agent.agentId, name, CONTAINER_EXEC_SUFFIX, { command: ['sh'] });
      expect(await socket.outcome).toBe('open');
      expect(await socket.frame('error')).toMatchObject({ type: 'error', code: 'policy_denied', message: expect.stringContaining('no-exec-host') });
      expect((await socket.closed).code).toBe(4403);
      expect(socket.frames.some((frame) => frame.type === 'started')).toBe(false);
      const { items } = await server.admin.audit.list({ action: 'container.exec_session.start', resourceId: name, limit: 1 });
      expect(items[0]).toMatchObject({ responseStatus: 403, requestBody: { command: ['sh'], error: 'policy_denied' } });
    });

    it('still lets the control plane read and act on containers', async () => {
      expect((await server.admin.containers.logs(agent.agentId, name, { tail: 5 })).lines).toEqual([]);
      expect((await server.admin.containers.stop(agent.agentId, name, { timeoutSeconds: 5 })).state).toBe('exited');
      expect((await server.admin.containers.start(agent.agentId, name)).state).toBe('running');
    });
  });

  describe('a look-only host (docker.actions: [])', () => {
    it('refuses an action with 403 policy_denied, audited, and leaves the container alone', async () => {
      const agent = await connected('look-only-host', { policy: testPolicy({ dockerActions: [] }) });
      const { name } = await containers.run('look-only', STOPPABLE_COMMAND);
      const refused = await apiFailure(server.admin.containers.stop(agent.agentId, name));
      expect(refused).toMatchObject({ status: 403, code: 'policy_denied' });
      expect(refused.message).toContain('look-only-host');
      expect((await inspectContainer(name))?.status).toBe('running');
      const { items } = await server.admin.audit.list({ action: 'container.stop', resourceId: name, limit: 1 });
      expect(items[0]).toMatchObject({ responseStatus: 403 });
      // Reading is always allowed while the docker capability is on.
      expect((await server.admin.containers.get(agent.agentId, name)).name).toBe(name);
    });
  });

  describe('a host whose Docker Engine cannot be reached', () => {
    let agent: DockerTestAgent;
    const socketPath = join(tmpdir(), `no-docker-${randomBytes(4).toString('hex')}.sock`);

    beforeAll(async () => {
      agent = await connected('dockerless-host', { socketPath });
    });

    it('reports the engine unavailable, naming the socket', async () => {
      const engine = await eventually(async () => {
        const reported = await server.admin.docker.engine(agent.agentId).catch(() => undefined);
        return reported && !reported.available ? reported : undefined;
      }, 'the engine is reported unavailable');
      expect(engine).toMatchObject({ agentName: 'dockerless-host', available: false, problem: expect.stringContaining(socketPath) });
      expect((await server.admin.containers.list()).engines).toContainEqual(expect.objectContaining({ agentId: agent.agentId, available: false }));
      expect((await server.admin.containers.listOnHost(agent.agentId)).items).toEqual([]);
    });

    it('answers commands with 503 docker_unavailable whose message names the host and the socket', async () => {
      for (const [what, attempt] of [
        ['logs', () => server.admin.containers.logs(agent.agentId, 'anything')],
        ['start', () => server.admin.containers.start(agent.agentId, 'anything')],
        ['images', () => server.admin.docker.images(agent.agentId)],
      ] as const) {
        const failure = await apiFailure(attempt());
        expect({ what, status: failure.status, code: failure.code }).toEqual({ what, status: 503, code: 'docker_unavailable' });
        expect(failure.message).toContain('dockerless-host');
        expect(failure.message).toContain(socketPath);
      }
    });
  });

  describe('an agent without the docker capability', () => {
    it('has no engine to show: 404 with a reason', async () => {
      const agent = await connected('plain-host', { policy: testPolicy({ docker: false }) });
      const missing = await apiFailure(server.admin.docker.engine(agent.agentId));
      expect(missing).toMatchObject({ status: 404, code: 'not_found' });
      expect(missing.message).toContain('plain-host');
    });
  });
});
