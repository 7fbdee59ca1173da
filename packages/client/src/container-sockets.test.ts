import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STOPPABLE_COMMAND, TestContainers, startDockerAgent, type DockerTestAgent } from '../../server/src/test-helpers/docker.js';
import { eventually } from '../../server/src/test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../server/src/test-helpers/test-server.js';
import { followContainerLogs, openExecSession, type SocketEnd } from './container-sockets.js';

const PASSWORD = 'a password long enough';

describe('container sockets: why a socket was refused', () => {
  let server: TestServer;
  let agent: DockerTestAgent;
  const containers = new TestContainers();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startDockerAgent(server.admin, 'client-sockets');
    await eventually(async () => (await server.admin.agents.get(agent.agentId)).connected, 'the agent connects');
  });
  afterAll(async () => {
    await containers.removeAll();
    await agent?.destroy();
    await server?.destroy();
  });

  const endOf = (open: (end: (value: SocketEnd) => void) => void) => new Promise<SocketEnd>((resolve) => open(resolve));

  // Regression: every refusal before the upgrade was reported as "your role may not allow this", a bad container name included.
  it('says the container name is invalid, rather than blaming the role', async () => {
    const end = await endOf((resolve) => followContainerLogs(server.admin, agent.agentId, '-bad name', {}, { lines: () => {}, end: resolve }));
    expect(end).toMatchObject({ kind: 'error', code: 'validation_failed' });
  });

  it('says the host is not found when it belongs to no org of yours', async () => {
    const end = await endOf((resolve) =>
      openExecSession(server.admin, '01930000-0000-7000-8000-000000000000', 'web', { command: ['sh'] }, { output: () => {}, exit: () => {}, end: resolve }),
    );
    expect(end).toMatchObject({ kind: 'error', code: 'not_found' });
  });

  it('says the role does not allow a shell when the person may read but not exec', async () => {
    const { name } = await containers.run('client-refused', STOPPABLE_COMMAND);
    await server.admin.users.create({ email: 'client-viewer@example.com', password: PASSWORD, role: 'viewer' });
    const viewer = await server.signIn('client-viewer@example.com', PASSWORD);
    const end = await endOf((resolve) => openExecSession(viewer, agent.agentId, name, { command: ['sh'] }, { output: () => {}, exit: () => {}, end: resolve }));
    expect(end).toMatchObject({ kind: 'error', code: 'forbidden' });
    expect(end.kind === 'error' && end.message).toContain('role');
  });
});
