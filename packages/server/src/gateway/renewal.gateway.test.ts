import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyAndRequest, lifetimeOf, StateStore } from '@infrapilot/agent';
import type { Agent } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../platform/ids.js';
import { eventually, runTestAgent, startTestAgent, type TestAgent } from '../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../test-helpers/test-server.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('certificate renewal', () => {
  let server: TestServer;
  let agent: TestAgent;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const enrolled = await startTestAgent(server.admin, 'renew-me');
    await enrolled.stop();
    // Give the agent a certificate that has lived 21 of its 30 days: past two thirds.
    const { keyPem, certificateRequest } = await createKeyAndRequest('renew-me');
    const aged = await server.app.ca.signClientCertificate(certificateRequest, enrolled.agentId, {
      notBefore: new Date(Date.now() - 21 * DAY_MS),
      notAfter: new Date(Date.now() + 9 * DAY_MS),
    });
    await server.app.database.root
      .insertInto('agent_certificates')
      .values({
        id: newId(),
        agent_id: enrolled.agentId,
        fingerprint: aged.fingerprint,
        serial_number: aged.serialNumber,
        not_before: aged.notBefore.toISOString(),
        not_after: aged.notAfter.toISOString(),
        issued_at: new Date().toISOString(),
        revoked_at: null,
      })
      .execute();
    new StateStore(enrolled.stateDir).saveRenewal(keyPem, aged.pem);
    agent = runTestAgent(enrolled.agentId, enrolled.stateDir);
  });

  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  it('renews a certificate past two thirds of its life over mTLS and reconnects with the new one', async () => {
    const renewed = new Promise<Date>((resolve) => agent.runtime.once('renewed', ({ notAfter }) => resolve(notAfter)));
    const notAfter = await renewed;
    expect(notAfter.getTime()).toBeGreaterThan(Date.now() + 29 * DAY_MS);

    const certificatePem = readFileSync(join(agent.stateDir, 'agent.crt'), 'utf8');
    expect(lifetimeOf(certificatePem).notAfter.getTime()).toBe(notAfter.getTime());

    const shown = await eventually(async () => {
      const found = await server.admin.request<Agent>('GET', `/api/v1/agents/${agent.agentId}`);
      return found.connected && found.certificateExpiresAt && Date.parse(found.certificateExpiresAt) > Date.now() + 29 * DAY_MS ? found : undefined;
    }, 'the agent reconnects with its renewed certificate');
    expect(shown.status).toBe('active');
  });
});
