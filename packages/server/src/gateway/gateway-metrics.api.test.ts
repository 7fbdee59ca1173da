import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatAs } from '../test-helpers/gateway-calls.js';
import { eventually, startTestAgent, type TestAgent } from '../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../test-helpers/test-server.js';

async function scrape(server: TestServer): Promise<string> {
  return (await fetch(`${server.baseUrl}/metrics`)).text();
}

function valueOf(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('agent gateway figures at /metrics', () => {
  let server: TestServer;
  let agent: TestAgent;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startTestAgent(server.admin, 'counted');
    await eventually(() => server.app.commands.isConnected(agent.agentId), 'the agent connects');
  });
  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  it('counts connected agents, calls by outcome, and command round trips', async () => {
    await server.admin.agents.ping(agent.agentId);
    const refused = await heartbeatAs({ serverUrl: `https://127.0.0.1:${server.gateway.port}`, caPem: server.app.ca.certificatePem });
    expect(refused.accepted).toBe(false);

    const metrics = await eventually(async () => {
      const text = await scrape(server);
      return (valueOf(text, 'infrapilot_agent_rpcs_total{method="Heartbeat",code="ok"}') ?? 0) >= 1 ? text : undefined;
    }, 'a heartbeat is counted');
    expect(valueOf(metrics, 'infrapilot_agents_connected')).toBe(1);
    expect(valueOf(metrics, 'infrapilot_agent_rpcs_total{method="Register",code="ok"}')).toBe(1);
    expect(valueOf(metrics, 'infrapilot_agent_rpcs_total{method="Heartbeat",code="unauthenticated"}')).toBe(1);
    expect(valueOf(metrics, 'infrapilot_agent_command_duration_seconds_count{command="ping",outcome="ok"}')).toBe(1);

    await agent.stop();
    await eventually(async () => valueOf(await scrape(server), 'infrapilot_agents_connected') === 0, 'the gauge follows a disconnect');
  });
});
