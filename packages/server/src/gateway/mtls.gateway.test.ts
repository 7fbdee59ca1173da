import { Code } from '@connectrpc/connect';
import { AgentRejectedError, createKeyAndRequest, StateStore } from '@infrapilot/agent';
import type { Agent, AgentPing } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalCa } from '../platform/crypto/internal-ca.js';
import { newId } from '../platform/ids.js';
import { apiFailure } from '../test-helpers/api-failure.js';
import { commandStreamAs, heartbeatAs, renewCertificateAs, type GatewayCaller, type GatewayOutcome } from '../test-helpers/gateway-calls.js';
import { eventually, startTestAgent, type TestAgent } from '../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../test-helpers/test-server.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function refusedWith(outcome: GatewayOutcome): { code: Code; message: string } {
  if (outcome.accepted) throw new Error('the gateway accepted a call it should have refused');
  return { code: outcome.error.code, message: outcome.error.rawMessage };
}

/**
 * What an accepted call would have changed: when agents were last seen, their samples
 * and their certificates. (Not status: the offline sweep may move it once the clock moves.)
 */
async function recordedState(server: TestServer) {
  const { root } = server.app.database;
  const agents = await root.selectFrom('agents').select(['id', 'last_seen_at', 'latest_metrics', 'fingerprint']).orderBy('id').execute();
  const samples = await root.selectFrom('agent_metric_samples').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const certificates = await root.selectFrom('agent_certificates').select(['id']).orderBy('id').execute();
  return { agents, samples: Number(samples.count), certificates };
}

/**
 * Runs the calls a stranger would make, with the clock moved on so that an accepted
 * heartbeat would show as a new last_seen_at, and checks that nothing changed.
 */
async function expectRefusedAndNothingRecorded(server: TestServer, caller: GatewayCaller): Promise<Record<'heartbeat' | 'stream' | 'renewal', { code: Code; message: string }>> {
  const before = await recordedState(server);
  server.clock.advance(60_000);
  const heartbeat = refusedWith(await heartbeatAs(caller));
  const stream = refusedWith(await commandStreamAs(caller));
  const renewal = refusedWith(await renewCertificateAs(caller));
  expect(await recordedState(server)).toEqual(before);
  return { heartbeat, stream, renewal };
}

describe('agent gateway mTLS', () => {
  let server: TestServer;
  /** A real enrolled agent, stopped, whose id impostors claim. */
  let enrolled: TestAgent;
  let gatewayUrl: string;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    gatewayUrl = `https://127.0.0.1:${server.gateway.port}`;
    enrolled = await startTestAgent(server.admin, 'web-1');
    await eventually(async () => (await server.admin.agents.get(enrolled.agentId)).status === 'active', 'the agent becomes active');
    await enrolled.stop();
    await eventually(() => !server.app.commands.isConnected(enrolled.agentId), 'the agent disconnects');
  });
  afterAll(async () => {
    await enrolled?.destroy();
    await server?.destroy();
  });

  it('accepts the certificate the CA signed at enrollment and records the heartbeat', async () => {
    const credentials = new StateStore(enrolled.stateDir).load();
    server.clock.advance(60_000);
    const outcome = await heartbeatAs({ serverUrl: gatewayUrl, caPem: credentials.caPem, keyPem: credentials.keyPem, certificatePem: credentials.certificatePem });
    expect(outcome).toEqual({ accepted: true });
    const shown = await server.admin.agents.get(enrolled.agentId);
    expect(shown.lastSeenAt).toBe(server.clock.now().toISOString());
  });

  it('refuses a certificate from another CA, even one that names an enrolled agent', async () => {
    const foreignCa = await InternalCa.create('Someone else');
    const { keyPem, certificateRequest } = await createKeyAndRequest('impostor');
    const forged = await foreignCa.signClientCertificate(certificateRequest, enrolled.agentId);
    const refused = await expectRefusedAndNothingRecorded(server, {
      serverUrl: gatewayUrl,
      caPem: server.app.ca.certificatePem,
      keyPem,
      certificatePem: forged.pem,
    });
    expect(refused.heartbeat.code).toBe(Code.Unauthenticated);
    expect(refused.stream.code).toBe(Code.Unauthenticated);
    expect(refused.renewal.code).toBe(Code.Unauthenticated);
    expect(refused.heartbeat.message).toMatch(/not valid here/);
  });

  it('refuses an expired certificate signed by our own CA for an enrolled agent', async () => {
    const { keyPem, certificateRequest } = await createKeyAndRequest('web-1');
    const expired = await server.app.ca.signClientCertificate(certificateRequest, enrolled.agentId, {
      notBefore: new Date(Date.now() - 31 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    // Known to the server like any issued certificate, so its dates are the only thing wrong.
    await server.app.database.root
      .insertInto('agent_certificates')
      .values({
        id: newId(),
        agent_id: enrolled.agentId,
        fingerprint: expired.fingerprint,
        serial_number: expired.serialNumber,
        not_before: expired.notBefore.toISOString(),
        not_after: expired.notAfter.toISOString(),
        issued_at: expired.notBefore.toISOString(),
        revoked_at: null,
      })
      .execute();
    const refused = await expectRefusedAndNothingRecorded(server, {
      serverUrl: gatewayUrl,
      caPem: server.app.ca.certificatePem,
      keyPem,
      certificatePem: expired.pem,
    });
    expect(refused.heartbeat.code).toBe(Code.Unauthenticated);
    expect(refused.stream.code).toBe(Code.Unauthenticated);
    expect(refused.renewal.code).toBe(Code.Unauthenticated);
    expect(refused.heartbeat.message).toMatch(/expired/i);
  });

  it('refuses a caller that presents no client certificate', async () => {
    const refused = await expectRefusedAndNothingRecorded(server, { serverUrl: gatewayUrl, caPem: server.app.ca.certificatePem });
    expect(refused.heartbeat.code).toBe(Code.Unauthenticated);
    expect(refused.stream.code).toBe(Code.Unauthenticated);
    expect(refused.renewal.code).toBe(Code.Unauthenticated);
    expect(refused.heartbeat.message).toMatch(/client certificate is required/);
  });
});

describe('removing an agent', () => {
  let server: TestServer;
  let agent: TestAgent;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startTestAgent(server.admin, 'doomed');
    await eventually(async () => {
      const shown = await server.admin.agents.get(agent.agentId);
      return shown.connected && shown.status === 'active';
    }, 'the agent is connected and active');
  });
  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  it('enrolls over mTLS, shows live figures and answers a ping before removal', async () => {
    const shown = await eventually(async () => {
      const found = await server.admin.agents.get(agent.agentId);
      return found.live ? found : undefined;
    }, 'the first heartbeat brings live figures');
    expect(shown).toMatchObject({ name: 'doomed', status: 'active', connected: true });
    const ping = await server.admin.request<AgentPing>('POST', `/api/v1/agents/${agent.agentId}/ping`);
    expect(ping.agentId).toBe(agent.agentId);
    expect(ping.roundTripMs).toBeGreaterThan(0);
  });

  it('closes its open stream at once, and the agent stops for good', async () => {

    const removedAt = Date.now();
    const removed = await server.admin.request<Agent>('DELETE', `/api/v1/agents/${agent.agentId}`);
    expect(removed.connected).toBe(false);
    expect(server.app.commands.isConnected(agent.agentId)).toBe(false);

    const ending = await Promise.race([
      agent.finished.then(
        () => new Error('run() ended without an error'),
        (error: unknown) => error,
      ),
      new Promise<Error>((resolve) => setTimeout(() => resolve(new Error('run() still running 3 s after removal')), 3_000)),
    ]);
    expect(ending).toBeInstanceOf(AgentRejectedError);
    expect((ending as Error).message).toMatch(/removed this agent/);
    expect(Date.now() - removedAt).toBeLessThan(3_000);
    expect(server.app.commands.isConnected(agent.agentId)).toBe(false);
  });

  it('answers 404 for the removed agent and leaves it out of the list', async () => {
    const failure = await apiFailure(server.admin.request('GET', `/api/v1/agents/${agent.agentId}`));
    expect(failure.status).toBe(404);
    const listed = await server.admin.agents.list();
    expect(listed.items.map((item) => item.id)).not.toContain(agent.agentId);
    expect((await apiFailure(server.admin.agents.ping(agent.agentId))).status).toBe(404);
  });

  it('refuses every later connection made with its certificate, recording nothing', async () => {
    const credentials = new StateStore(agent.stateDir).load();
    const refused = await expectRefusedAndNothingRecorded(server, {
      serverUrl: credentials.identity.serverUrl,
      caPem: credentials.caPem,
      keyPem: credentials.keyPem,
      certificatePem: credentials.certificatePem,
    });
    expect(refused.heartbeat.code).toBe(Code.PermissionDenied);
    expect(refused.stream.code).toBe(Code.PermissionDenied);
    expect(refused.renewal.code).toBe(Code.PermissionDenied);
    expect(refused.stream.message).toMatch(/removed/);
    expect(server.app.commands.isConnected(agent.agentId)).toBe(false);
  });
});
