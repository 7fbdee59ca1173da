import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-helpers/free-port.js';
import { eventually, startTestAgent, type TestAgent } from '../test-helpers/test-agent.js';
import { startTestServer } from '../test-helpers/test-server.js';

type RunningServer = Awaited<ReturnType<typeof startTestServer>>;

async function sampleTimes(server: RunningServer, agentId: string): Promise<number[]> {
  const rows = await server.app.database.root.selectFrom('agent_metric_samples').select('collected_at_ms').where('agent_id', '=', agentId).execute();
  return rows.map((row) => Number(row.collected_at_ms));
}

describe('figures collected while the control plane is away', () => {
  let server: RunningServer;
  let restarted: RunningServer | undefined;
  let agent: TestAgent;

  beforeAll(async () => {
    server = await startTestServer('sqlite', undefined, { grpcPort: await freePort() });
    agent = await startTestAgent(server.admin, 'patient');
  });
  afterAll(async () => {
    await agent?.destroy();
    if (restarted) await restarted.destroy();
    else await server?.destroy();
  });

  it('are kept by the agent and sent with their own timestamps once it reconnects', async () => {
    await eventually(async () => (await sampleTimes(server, agent.agentId)).length > 0, 'a first heartbeat is stored');
    await server.stop();
    const downFrom = Date.now();
    await eventually(() => !agent.runtime.connected, 'the agent notices the server is gone');
    // Heartbeats every second: let a couple of samples pile up on the agent.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const downUntil = Date.now();
    restarted = await startTestServer(
      'sqlite',
      { database: server.database, dataDir: server.dataDir, masterKey: server.masterKey, clock: server.clock },
      { grpcPort: server.gateway.port },
    );

    const duringOutage = await eventually(async () => {
      const times = (await sampleTimes(restarted!, agent.agentId)).filter((at) => at > downFrom && at < downUntil);
      return times.length >= 2 ? times : undefined;
    }, 'the buffered samples arrive through PushMetrics');
    expect(duringOutage.every((at) => at > downFrom && at < downUntil)).toBe(true);
  });
});
