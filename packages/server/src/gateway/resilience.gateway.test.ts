import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { type DispatchEvent, joinControlPlane, StateStore } from '@infrapilot/agent';
import { PingCommandSchema, RegisterRequestSchema } from '@infrapilot/protocol/agent';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentTimeoutError, CapabilityFailedError } from '../errors.js';
import { apiFailure } from '../test-helpers/api-failure.js';
import { freePort } from '../test-helpers/free-port.js';
import { grpcFrame, rawGrpcCall } from '../test-helpers/raw-grpc.js';
import { ScriptedPing } from '../test-helpers/scripted-ping.js';
import { startTcpProxy, type TcpProxy } from '../test-helpers/tcp-proxy.js';
import { createEnrollment, eventually, runTestAgent, startTestAgent, type TestAgent } from '../test-helpers/test-agent.js';
import { TEST_POSTGRES_URL } from '../test-helpers/test-databases.js';
import { startTestServer } from '../test-helpers/test-server.js';
import { GATEWAY_READ_MAX_BYTES } from './agent-gateway.js';
import type { CommandPayload } from './command-router.js';

type RunningServer = Awaited<ReturnType<typeof startTestServer>>;

const PING: CommandPayload = { case: 'ping', value: create(PingCommandSchema, { payload: new Uint8Array(8) }) };
const IDENTITY_FILES = ['identity.json', 'agent.key', 'agent.crt', 'ca.crt'];

function readIdentityFiles(stateDir: string): Record<string, string> {
  return Object.fromEntries(IDENTITY_FILES.map((name) => [name, readFileSync(join(stateDir, name), 'utf8')]));
}

async function agentCount(server: RunningServer): Promise<number> {
  const row = await server.app.database.root.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The dispatch events an agent reports, for counting how often each request ran. */
function recordDispatches(agent: TestAgent): DispatchEvent[] {
  const events: DispatchEvent[] = [];
  agent.runtime.on('dispatch', (event) => events.push(event));
  return events;
}

function executionsOf(events: DispatchEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) if (event.kind === 'executed') counts.set(event.requestId, (counts.get(event.requestId) ?? 0) + 1);
  return counts;
}

describe('a restart of the control plane', () => {
  let server: RunningServer;
  let restarted: RunningServer | undefined;
  let agent: TestAgent;

  beforeAll(async () => {
    const grpcPort = await freePort();
    server = await startTestServer('sqlite', undefined, { grpcPort });
    agent = await startTestAgent(server.admin, 'survivor');
  });
  afterAll(async () => {
    await agent?.destroy();
    if (restarted) await restarted.destroy();
    else await server?.destroy();
  });

  it('is survived: the agent reconnects by itself as the same agent and runs no command twice', async () => {
    const dispatches = recordDispatches(agent);
    const connections: string[] = [];
    agent.runtime.on('connected', ({ agentId }) => connections.push(agentId));
    await eventually(() => server.app.commands.isConnected(agent.agentId), 'the agent connects');
    await server.admin.agents.ping(agent.agentId);
    const filesBefore = readIdentityFiles(agent.stateDir);

    await server.stop();
    await eventually(() => !agent.runtime.connected, 'the agent notices the server is gone');
    restarted = await startTestServer(
      'sqlite',
      { database: server.database, dataDir: server.dataDir, masterKey: server.masterKey, clock: server.clock },
      { grpcPort: server.gateway.port },
    );

    await eventually(() => restarted!.app.commands.isConnected(agent.agentId), 'the agent reconnects to the restarted server');
    await restarted.admin.agents.ping(agent.agentId);
    const shown = await eventually(async () => {
      const found = await restarted!.admin.agents.get(agent.agentId);
      return found.connected && found.status === 'active' ? found : undefined;
    }, 'the agent shows as connected and active again');
    expect(shown.id).toBe(agent.agentId);

    expect(connections.length).toBeGreaterThanOrEqual(1);
    expect(new Set(connections)).toEqual(new Set([agent.agentId]));
    expect(await agentCount(restarted)).toBe(1);
    expect(readIdentityFiles(agent.stateDir)).toEqual(filesBefore);
    const executions = executionsOf(dispatches);
    expect(executions.size).toBe(2);
    expect([...executions.values()]).toEqual([1, 1]);
    expect(dispatches.filter((event) => event.kind === 'duplicate')).toEqual([]);
  });
});

describe('a command in flight when the connection drops', () => {
  let server: RunningServer;
  let proxy: TcpProxy;
  let agent: TestAgent;
  const ping = new ScriptedPing();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    // The agent dials through a relay the test can cut, like a network drop.
    proxy = await startTcpProxy(server.gateway.port);
    const enrollment = await createEnrollment(server.admin, 'flaky-link');
    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
    const identity = await joinControlPlane({ serverUrl: proxy.url, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: 'flaky-link.test' });
    agent = runTestAgent(identity.agentId, stateDir, { capabilities: [ping.capability] });
    await eventually(() => server.app.commands.isConnected(agent.agentId), 'the agent connects through the relay');
  });
  afterAll(async () => {
    ping.release();
    await agent?.destroy();
    await proxy?.close();
    await server?.destroy();
  });

  it('is sent again with the same request id after the reconnect, and runs once', async () => {
    const dispatches = recordDispatches(agent);
    ping.behaviour = 'wait';
    ping.hold();
    const answer = server.app.commands.send(agent.agentId, PING, { timeoutMs: 15_000 });
    await eventually(() => ping.runs.length === 1, 'the agent starts the command');
    const requestId = ping.runs[0]!;

    const dropped = new Promise((resolve) => agent.runtime.once('disconnected', resolve));
    proxy.cut();
    await dropped;
    await eventually(() => dispatches.some((event) => event.kind === 'duplicate' && event.requestId === requestId), 'the server re-sends the command after the reconnect');
    ping.release();

    await expect(answer).resolves.toMatchObject({ case: 'ping' });
    expect(ping.runs).toEqual([requestId]);
    expect(executionsOf(dispatches)).toEqual(new Map([[requestId, 1]]));
  });

  it('delivers an answer that was ready while disconnected, without running the command again', async () => {
    const dispatches = recordDispatches(agent);
    ping.behaviour = 'wait';
    ping.hold();
    const runsBefore = ping.runs.length;
    const answer = server.app.commands.send(agent.agentId, PING, { timeoutMs: 15_000 });
    await eventually(() => ping.runs.length === runsBefore + 1, 'the agent starts the command');
    const requestId = ping.runs.at(-1)!;

    const dropped = new Promise((resolve) => agent.runtime.once('disconnected', resolve));
    proxy.cut();
    await dropped;
    // It finishes while no stream is open; the answer waits for the next one.
    ping.release();

    await expect(answer).resolves.toMatchObject({ case: 'ping' });
    await eventually(() => dispatches.some((event) => event.kind === 'duplicate' && event.requestId === requestId), 'the server re-sent the command');
    expect(ping.runs.slice(runsBefore)).toEqual([requestId]);
    expect(executionsOf(dispatches)).toEqual(new Map([[requestId, 1]]));
  });
});

describe('a command in flight when the agent process restarts', () => {
  let server: RunningServer;
  let first: TestAgent;
  let second: TestAgent | undefined;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await first?.stop();
    await second?.destroy();
    await server?.destroy();
  });

  it('is not run again by the new process, which remembers the request id on disk', async () => {
    const slow = new ScriptedPing();
    slow.behaviour = 'hang';
    first = await startTestAgent(server.admin, 'restarting', { capabilities: [slow.capability] });
    await eventually(() => server.app.commands.isConnected(first.agentId), 'the agent connects');
    const answer = server.app.commands.send(first.agentId, PING, { timeoutMs: 2_000 });
    answer.catch(() => undefined);
    await eventually(() => slow.runs.length === 1, 'the first process starts the command');
    const requestId = slow.runs[0]!;
    await first.stop();

    const fresh = new ScriptedPing();
    second = runTestAgent(first.agentId, first.stateDir, { capabilities: [fresh.capability] });
    const dispatches = recordDispatches(second);
    await eventually(() => dispatches.some((event) => event.kind === 'duplicate' && event.requestId === requestId), 'the server re-sends the command to the new process');

    expect(fresh.runs).toEqual([]);
    expect(executionsOf(dispatches).size).toBe(0);
    // At most once: the new process has no answer to give, so it says so at once instead of running it again.
    await expect(answer).rejects.toBeInstanceOf(CapabilityFailedError);
    await expect(answer).rejects.toThrow(/interrupted/);
  });
});

describe('malformed and oversized messages on the gateway', () => {
  let server: RunningServer;
  let agent: TestAgent;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startTestAgent(server.admin, 'bystander');
    await eventually(() => server.app.commands.isConnected(agent.agentId), 'the agent connects');
  });
  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  const register = (body: Buffer, options: { endStream?: boolean } = {}) =>
    rawGrpcCall({ port: server.gateway.port, path: '/infrapilot.agent.v1.AgentService/Register', body, caPem: server.app.ca.certificatePem, ...options });

  /** The server answered, and still serves: no new agent, and a command round trip works. */
  const expectStillServing = async (agentsBefore: number) => {
    expect(await agentCount(server)).toBe(agentsBefore);
    await expect(server.admin.agents.ping(agent.agentId)).resolves.toMatchObject({ agentId: agent.agentId });
  };

  it('refuses garbage bytes in a gRPC frame', async () => {
    const before = await agentCount(server);
    const reply = await register(grpcFrame(Buffer.alloc(64, 0xff)));
    // connect-es reports a body that does not decode as Internal ("parse binary: ...").
    expect([Code.InvalidArgument, Code.Internal]).toContain(reply.grpcStatus);
    await expectStillServing(before);
  });

  it('refuses a frame whose length prefix claims 64 MiB without waiting for it', async () => {
    const before = await agentCount(server);
    // The request stays open: the server must answer from the prefix alone.
    const reply = await register(grpcFrame(Buffer.from('tiny'), 64 * 1024 * 1024), { endStream: false });
    expect(reply.grpcStatus).toBe(Code.ResourceExhausted);
    await expectStillServing(before);
  });

  it('refuses a well-formed message larger than 4 MiB', async () => {
    const before = await agentCount(server);
    const enrollment = await createEnrollment(server.admin, 'too-big');
    const message = toBinary(
      RegisterRequestSchema,
      create(RegisterRequestSchema, { enrollmentToken: enrollment.token, hostname: 'big.test', certificateRequest: randomBytes(GATEWAY_READ_MAX_BYTES + 1024) }),
    );
    expect(message.length).toBeGreaterThan(GATEWAY_READ_MAX_BYTES);
    const reply = await register(grpcFrame(message));
    expect(reply.grpcStatus).toBe(Code.ResourceExhausted);
    await expectStillServing(before);
    // Refused before the token was looked at: it is still open.
    const open = await server.admin.agents.enrollmentTokens();
    expect(open.items.map((token) => token.id)).toContain(enrollment.enrollmentToken.id);
  });

  it('refuses a frame cut short of its length prefix', async () => {
    const before = await agentCount(server);
    const reply = await register(grpcFrame(Buffer.from('only part'), 1_000));
    expect(reply.grpcStatus).toBe(Code.InvalidArgument);
    await expectStillServing(before);
  });

  it('refuses garbage from an authenticated agent too', async () => {
    const credentials = new StateStore(agent.stateDir).load();
    const reply = await rawGrpcCall({
      port: server.gateway.port,
      path: '/infrapilot.agent.v1.AgentService/Heartbeat',
      body: grpcFrame(Buffer.alloc(64, 0xff)),
      caPem: credentials.caPem,
      keyPem: credentials.keyPem,
      certificatePem: credentials.certificatePem,
    });
    expect(reply.grpcStatus).toBeDefined();
    expect([Code.InvalidArgument, Code.Internal]).toContain(reply.grpcStatus);
    await expectStillServing(await agentCount(server));
  });
});

describe('commands that cannot be answered', () => {
  let server: RunningServer;
  let agent: TestAgent;
  const ping = new ScriptedPing();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startTestAgent(server.admin, 'moody', { capabilities: [ping.capability] });
    await eventually(() => server.app.commands.isConnected(agent.agentId), 'the agent connects');
  });
  afterAll(async () => {
    ping.release();
    await agent?.destroy();
    await server?.destroy();
  });

  it('times out a command the agent does not finish in time, and stops it on the agent', async () => {
    ping.behaviour = 'hang';
    const runsBefore = ping.runs.length;
    await expect(server.app.commands.send(agent.agentId, PING, { timeoutMs: 200 })).rejects.toBeInstanceOf(AgentTimeoutError);
    const requestId = ping.runs[runsBefore]!;
    expect(requestId).toBeDefined();
    // The agent enforces the deadline it was given; the server's Cancel backs it up.
    const reason = await eventually(() => ping.aborted.get(requestId), 'the command is stopped on the agent');
    expect(['deadline_exceeded', 'cancelled']).toContain((reason as { code: string }).code);
  });

  it('answers 504 agent_timeout when the agent gives up at the deadline it was given', async () => {
    ping.behaviour = 'hang';
    const failure = await apiFailure(server.admin.agents.ping(agent.agentId, { timeoutMs: 300 }));
    expect(failure.status).toBe(504);
    expect(failure.code).toBe('agent_timeout');
    expect(ping.aborted.get(ping.runs.at(-1)!)).toMatchObject({ code: 'deadline_exceeded' });
  });

  it('answers 502 capability_failed with the reason when the command fails on the agent', async () => {
    ping.behaviour = 'fail';
    const failure = await apiFailure(server.admin.agents.ping(agent.agentId));
    expect(failure.status).toBe(502);
    expect(failure.code).toBe('capability_failed');
    expect(failure.message).toMatch(/failed on purpose/);
  });

  it('answers 503 agent_offline for an agent that is not connected', async () => {
    ping.behaviour = 'answer';
    await server.admin.agents.ping(agent.agentId);
    await agent.stop();
    await eventually(() => !server.app.commands.isConnected(agent.agentId), 'the agent disconnects');
    const failure = await apiFailure(server.admin.agents.ping(agent.agentId));
    expect(failure.status).toBe(503);
    expect(failure.code).toBe('agent_offline');
    expect((await apiFailure(server.admin.agents.systemInfo(agent.agentId))).code).toBe('agent_offline');
  });
});

describe('PostgreSQL dropping the connections of a running control plane', () => {
  let server: RunningServer;
  let agent: TestAgent;

  beforeAll(async () => {
    server = await startTestServer('postgres');
    agent = await startTestAgent(server.admin, 'pg-host');
    await eventually(() => server.app.commands.isConnected(agent.agentId), 'the agent connects');
  });
  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  // Regression: the pg pool had no 'error' listener, so an idle connection that the
  // database ended (a restart, pg_terminate_backend, a proxy's idle timeout) raised an
  // uncaught 'error' event and took the whole control plane down.
  it('keeps serving the API and the agents, without an uncaught error', async () => {
    const crashes: unknown[] = [];
    const recordCrash = (error: unknown) => crashes.push(error);
    process.on('uncaughtException', recordCrash);
    try {
      await dropConnectionsAndCarryOn();
    } finally {
      process.off('uncaughtException', recordCrash);
    }
    // Outside a test runner, any of these would have ended the server process.
    expect(crashes.map(String)).toEqual([]);
  });

  async function dropConnectionsAndCarryOn(): Promise<void> {
    await server.admin.agents.list();
    const database = new URL(server.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    let terminated: number;
    try {
      const result = await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      terminated = result.rowCount ?? 0;
    } finally {
      await admin.end();
    }
    expect(terminated).toBeGreaterThan(0);

    const shown = await eventually(async () => {
      const found = await server.admin.agents.get(agent.agentId);
      return found.connected ? found : undefined;
    }, 'the API answers again');
    expect(shown.id).toBe(agent.agentId);
    await expect(server.admin.agents.ping(agent.agentId)).resolves.toMatchObject({ agentId: agent.agentId });
  }
});
