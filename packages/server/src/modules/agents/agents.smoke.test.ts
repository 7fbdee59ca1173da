import type { Agent, AgentPing } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestAgent, type TestAgent } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

describe('smoke', () => {
  let server: TestServer;
  let agent: TestAgent;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startTestAgent(server.admin, 'web-1');
  });
  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  it('enrolls, becomes active and answers a ping', async () => {
    const shown = await eventually(async () => {
      const found = await server.admin.request<Agent>('GET', `/api/v1/agents/${agent.agentId}`);
      return found.status === 'active' && found.connected && found.live ? found : undefined;
    }, 'agent active');
    expect(shown.name).toBe('web-1');
    const ping = await server.admin.request<AgentPing>('POST', `/api/v1/agents/${agent.agentId}/ping`);
    expect(ping.roundTripMs).toBeGreaterThan(0);
  });
});
