import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinControlPlane } from '@infrapilot/agent';
import type { Agent } from '@infrapilot/protocol';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { DomainEvents } from '../../platform/events/event-bus.js';
import { createEnrollment, eventually, runTestAgent, startTestAgent, type TestAgent } from '../../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

type StatusChange = DomainEvents['agent.status_changed'];

// Agents beat once on connecting and then once a minute: after the first beat, none is
// in flight when a test stops an agent, and only the fake clock makes time pass.
const HEARTBEAT_MS = 60_000;
const SILENCE_BEFORE_OFFLINE_MS = 3 * HEARTBEAT_MS;

describeOnBothDialects('agent status', (dialect) => {
  let server: TestServer;
  let changes: StatusChange[];
  let unsubscribe: () => void;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect, undefined, { heartbeatIntervalSeconds: HEARTBEAT_MS / 1000 });
    changes = [];
    unsubscribe = server.app.bus.subscribe('agent.status_changed', (change) => void changes.push(change));
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    unsubscribe?.();
    await server?.destroy();
  });

  const show = (id: string) => server.admin.agents.get(id);
  const changesOf = (agentId: string) => changes.filter((change) => change.agentId === agentId).map(({ from, to }) => `${from}→${to}`);

  async function started(name: string): Promise<TestAgent> {
    const agent = await startTestAgent(server.admin, name);
    cleanups.push(() => agent.destroy());
    return agent;
  }

  async function until(id: string, predicate: (agent: Agent) => boolean, message: string): Promise<Agent> {
    return eventually(async () => {
      const agent = await show(id);
      return predicate(agent) ? agent : undefined;
    }, message);
  }

  it('stays pending after enrollment until its first heartbeat, however long that takes', async () => {
    const enrollment = await createEnrollment(server.admin, 'late-starter');
    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
    cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const { agentId } = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: 'late.test' });

    expect(await show(agentId)).toMatchObject({ status: 'pending', connected: false, lastSeenAt: null, live: null });
    server.clock.advance(10 * SILENCE_BEFORE_OFFLINE_MS);
    await server.app.services.agents.markSilentAgentsOffline();
    expect((await show(agentId)).status).toBe('pending');

    const agent = runTestAgent(agentId, stateDir);
    cleanups.push(() => agent.stop());
    const active = await until(agentId, (shown) => shown.status === 'active', 'first heartbeat makes it active');
    expect(active.lastSeenAt).toBe(server.clock.now().toISOString());
    expect(changesOf(agentId)).toEqual(['pending→active']);
  });

  it('goes offline after three missed heartbeats and back to active when it reconnects, announcing each change', async () => {
    const agent = await started('flaky');
    const orgId = (await server.admin.orgs.current()).id;
    await until(agent.agentId, (shown) => shown.status === 'active' && shown.connected, 'active after a heartbeat');
    expect(changesOf(agent.agentId)).toEqual(['pending→active']);

    await agent.stop();
    await until(agent.agentId, (shown) => !shown.connected, 'the stream closes when the agent stops');
    const lastSeenAt = (await show(agent.agentId)).lastSeenAt!;

    // Exactly three intervals of silence is not yet "missed three".
    server.clock.advance(Date.parse(lastSeenAt) + SILENCE_BEFORE_OFFLINE_MS - server.clock.now().getTime());
    await server.app.services.agents.markSilentAgentsOffline();
    expect((await show(agent.agentId)).status).toBe('active');

    server.clock.advance(1);
    await server.app.services.agents.markSilentAgentsOffline();
    const offline = await show(agent.agentId);
    expect(offline).toMatchObject({ status: 'offline', connected: false, lastSeenAt });
    const wentOffline = changes.filter((change) => change.agentId === agent.agentId && change.to === 'offline');
    expect(wentOffline).toEqual([{ orgId, agentId: agent.agentId, from: 'active', to: 'offline', at: server.clock.now().toISOString() }]);

    // Sweeping again announces nothing new.
    await server.app.services.agents.markSilentAgentsOffline();
    expect(changesOf(agent.agentId)).toEqual(['pending→active', 'active→offline']);

    const restarted = runTestAgent(agent.agentId, agent.stateDir);
    cleanups.push(() => restarted.stop());
    const back = await until(agent.agentId, (shown) => shown.status === 'active' && shown.connected, 'active again after a restart on the same state dir');
    expect(back.lastSeenAt).toBe(server.clock.now().toISOString());
    expect(changesOf(agent.agentId)).toEqual(['pending→active', 'active→offline', 'offline→active']);
  });

  it('keeps an agent that beats active however far the clock moves', async () => {
    const agent = await started('steady');
    const shown = await until(agent.agentId, (candidate) => candidate.status === 'active', 'active');
    const orgId = (await server.admin.orgs.current()).id;
    // The gateway's Heartbeat handler calls this for the agent whose certificate it checked.
    const principal = { agentId: agent.agentId, orgId, name: shown.name, status: shown.status };
    for (let round = 0; round < 5; round += 1) {
      server.clock.advance(SILENCE_BEFORE_OFFLINE_MS - 1);
      await server.app.services.agents.recordHeartbeat(principal, undefined, '');
      await server.app.services.agents.markSilentAgentsOffline();
      expect((await show(agent.agentId)).status).toBe('active');
    }
    expect(changesOf(agent.agentId)).toEqual(['pending→active']);
  });

  it('does not change the status of a removed agent', async () => {
    const agent = await started('removed');
    await until(agent.agentId, (shown) => shown.status === 'active', 'active');
    await agent.stop();
    await server.admin.agents.remove(agent.agentId);
    server.clock.advance(10 * SILENCE_BEFORE_OFFLINE_MS);
    await server.app.services.agents.markSilentAgentsOffline();
    expect(changesOf(agent.agentId)).toEqual(['pending→active']);
  });
});
