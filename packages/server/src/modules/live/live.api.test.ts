import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinControlPlane } from '@infrapilot/agent';
import type { InfraPilotClient } from '@infrapilot/client';
import { LIVE_BEARER_PREFIX, LIVE_CLOSE_TOKEN_EXPIRED, LIVE_PATH, LIVE_SUBPROTOCOL, LiveEventSchema } from '@infrapilot/protocol';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAnotherOrg } from '../../test-helpers/another-org.js';
import { type LiveSocket, openLiveSocket } from '../../test-helpers/live-socket.js';
import { createEnrollment, startTestAgent } from '../../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const PASSWORD = 'a password long enough';

/**
 * The HTTP status a WebSocket upgrade of /ws is answered with (101 when it is accepted),
 * read from a hand-made handshake because a browser's WebSocket hides it.
 */
function upgradeStatus(baseUrl: string, options: { protocols?: string[]; org?: string } = {}): Promise<number> {
  const url = new URL(LIVE_PATH, baseUrl);
  if (options.org) url.searchParams.set('org', options.org);
  return new Promise((resolve, reject) => {
    // A fresh connection each time: an upgrade request's connection is not reused.
    const handshake = request(url, {
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('a sixteen byte k').toString('base64'),
        ...(options.protocols ? { 'sec-websocket-protocol': options.protocols.join(', ') } : {}),
      },
    });
    handshake.once('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    handshake.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    handshake.once('error', reject);
    handshake.end();
  });
}

/** The client's current access token, refreshed first if the fake clock has let it expire. */
async function accessTokenOf(client: InfraPilotClient): Promise<string> {
  await client.auth.me();
  return client.currentTokens!.accessToken;
}

describeOnBothDialects('live socket', (dialect) => {
  let server: TestServer;
  let orgId: string;
  let sequence = 0;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    orgId = (await server.admin.orgs.current()).id;
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const opened = async (options: { credential?: string; org?: string }): Promise<LiveSocket> => {
    const live = openLiveSocket(server.baseUrl, options);
    cleanups.push(() => live.close());
    expect(await live.outcome).toBe('open');
    return live;
  };

  /** Enrolls an agent (joins, without running it), which announces agent.enrolled in the client's org. */
  const enrolled = async (client: InfraPilotClient, name: string): Promise<string> => {
    const enrollment = await createEnrollment(client, name);
    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
    cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const { agentId } = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: `${name}.test` });
    return agentId;
  };

  it('opens with the bearer subprotocol and ?org=, picks infrapilot.v1 and says ready first', async () => {
    const live = await opened({ credential: await accessTokenOf(server.admin), org: orgId });

    expect(live.socket.protocol).toBe(LIVE_SUBPROTOCOL);
    const ready = await live.frame('ready');
    expect(live.frames[0]).toBe(ready);
    expect(ready).toEqual({ type: 'ready', orgId, at: expect.any(String) });
  });

  it('never echoes the bearer subprotocol back in the handshake', async () => {
    const token = await accessTokenOf(server.admin);
    const live = await opened({ credential: token, org: orgId });
    expect(live.socket.protocol).not.toContain(LIVE_BEARER_PREFIX);
    expect(live.socket.protocol).not.toContain(token);
  });

  it("pushes a real agent's enrollment, first heartbeat, samples and removal", async () => {
    const live = await opened({ credential: await accessTokenOf(server.admin), org: orgId });
    await live.frame('ready');

    const agent = await startTestAgent(server.admin, 'live-host');
    cleanups.push(() => agent.destroy());
    const enrollment = await live.frame('agent.enrolled', (frame) => frame.agentId === agent.agentId);
    expect(enrollment.name).toBe('live-host');
    const activated = await live.frame('agent.status_changed', (frame) => frame.agentId === agent.agentId);
    expect(activated).toMatchObject({ from: 'pending', to: 'active' });
    expect(live.frames.indexOf(enrollment)).toBeLessThan(live.frames.indexOf(activated));

    const sample = await live.frame('agent.sample', (frame) => frame.agentId === agent.agentId);
    expect(sample.live).toMatchObject({ cpuPercent: expect.any(Number), collectedAt: expect.any(String) });
    expect(sample.point).toMatchObject({ samples: 1, cpuPercent: expect.any(Number), memoryTotalBytes: expect.any(Number) });

    await server.admin.agents.remove(agent.agentId);
    const removed = await live.frame('agent.removed', (frame) => frame.agentId === agent.agentId);
    expect(removed.at).toEqual(expect.any(String));

    // Every frame the server sent is one the web app can parse.
    for (const frame of live.frames) expect(LiveEventSchema.safeParse(frame).error).toBeUndefined();
  });

  it('refuses the upgrade without credentials or with a bad token', async () => {
    for (const credential of [undefined, 'not-a-token', 'ipk_not_a_real_key_at_all_0123456789']) {
      const live = openLiveSocket(server.baseUrl, { ...(credential ? { credential } : {}), org: orgId });
      cleanups.push(() => live.close());
      expect({ credential, outcome: await live.outcome }).toEqual({ credential, outcome: 'refused' });
      expect(live.frames).toEqual([]);
    }
    expect(await upgradeStatus(server.baseUrl, { protocols: [LIVE_SUBPROTOCOL], org: orgId })).toBe(401);
    expect(await upgradeStatus(server.baseUrl, { protocols: [LIVE_SUBPROTOCOL, `${LIVE_BEARER_PREFIX}not-a-token`], org: orgId })).toBe(401);
    expect(await upgradeStatus(server.baseUrl, { protocols: [LIVE_SUBPROTOCOL, `${LIVE_BEARER_PREFIX}${await accessTokenOf(server.admin)}`], org: orgId })).toBe(101);
  });

  it('refuses a socket for an org its person does not belong to', async () => {
    const { founder } = await createAnotherOrg(server);
    const live = openLiveSocket(server.baseUrl, { credential: await accessTokenOf(founder), org: orgId });
    cleanups.push(() => live.close());
    expect(await live.outcome).toBe('refused');
    expect(await upgradeStatus(server.baseUrl, { protocols: [LIVE_SUBPROTOCOL, `${LIVE_BEARER_PREFIX}${await accessTokenOf(founder)}`], org: orgId })).toBe(404);
  });

  it('accepts an API key as the bearer, in the org the key belongs to', async () => {
    const { secret } = await server.admin.apiKeys.create({ name: `live-${sequence++}`, role: 'viewer' });
    const live = await opened({ credential: secret });
    expect(await live.frame('ready')).toMatchObject({ orgId });

    const agentId = await enrolled(server.admin, 'seen-by-a-key');
    await live.frame('agent.enrolled', (frame) => frame.agentId === agentId);
  });

  it("does not send one org's events to another org's sockets", async () => {
    const other = await createAnotherOrg(server);
    const here = await opened({ credential: await accessTokenOf(server.admin), org: orgId });
    const elsewhere = await opened({ credential: await accessTokenOf(other.founder), org: other.orgId });
    expect(await elsewhere.frame('ready')).toMatchObject({ orgId: other.orgId });

    const ours = await enrolled(server.admin, 'ours');
    await here.frame('agent.enrolled', (frame) => frame.agentId === ours);
    // Frames are sent in the order events happen: once the other org's own later event
    // has arrived, ours would have arrived before it.
    const theirs = await enrolled(other.founder, 'theirs');
    await elsewhere.frame('agent.enrolled', (frame) => frame.agentId === theirs);

    expect(elsewhere.frames.filter((frame) => 'agentId' in frame && frame.agentId === ours)).toEqual([]);
    expect(here.frames.filter((frame) => 'agentId' in frame && frame.agentId === theirs)).toEqual([]);
  });

  it('closes with 4401 when the access token behind the socket expires, and refuses the expired token', async () => {
    const email = `live-${sequence++}@example.com`;
    await server.admin.users.create({ email, password: PASSWORD, role: 'viewer' });
    const person = await server.signIn(email, PASSWORD);
    const token = person.currentTokens!.accessToken;
    const expiresAtMs = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;

    // The fake clock moves to a second before the token expires; the socket's close timer then runs that second in real time.
    server.clock.advance(expiresAtMs - server.clock.now().getTime() - 1000);
    const live = await opened({ credential: token, org: orgId });
    await live.frame('ready');
    const closed = await live.closed;
    expect(closed.code).toBe(LIVE_CLOSE_TOKEN_EXPIRED);
    expect(closed.reason).toMatch(/refresh/i);

    server.clock.advance(1000);
    const late = openLiveSocket(server.baseUrl, { credential: token, org: orgId });
    cleanups.push(() => late.close());
    expect(await late.outcome).toBe('refused');
  });

  it('closes the sockets of a signed-out session, a revoked key and a removed member at the next re-check, and keeps the rest', async () => {
    const email = `recheck-${sequence++}@example.com`;
    const created = await server.admin.users.create({ email, password: PASSWORD, role: 'viewer' });
    const signedOut = await server.signIn(email, PASSWORD);
    const removed = await server.signIn(email, PASSWORD);
    const { secret, apiKey } = await server.admin.apiKeys.create({ name: `recheck-${sequence++}`, role: 'viewer' });
    const sessionSocket = await opened({ credential: await accessTokenOf(signedOut), org: orgId });
    // A second tab of the same session shares its check, and its fate.
    const secondTab = await opened({ credential: await accessTokenOf(signedOut), org: orgId });
    const keySocket = await opened({ credential: secret });
    const memberSocket = await opened({ credential: await accessTokenOf(removed), org: orgId });
    const adminSocket = await opened({ credential: await accessTokenOf(server.admin), org: orgId });

    await server.app.live.recheckAll();
    expect(server.app.live.connectedCount).toBe(5);

    await signedOut.auth.logout();
    await server.admin.apiKeys.revoke(apiKey.id);
    await server.app.live.recheckAll();
    expect((await sessionSocket.closed).code).toBe(LIVE_CLOSE_TOKEN_EXPIRED);
    expect((await secondTab.closed).code).toBe(LIVE_CLOSE_TOKEN_EXPIRED);
    expect((await keySocket.closed).code).toBe(LIVE_CLOSE_TOKEN_EXPIRED);

    await server.admin.members.remove(created.user.id);
    await server.app.live.recheckAll();
    expect((await memberSocket.closed).code).toBe(LIVE_CLOSE_TOKEN_EXPIRED);
    expect(adminSocket.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes the socket of a member removed from its org even when it was opened without ?org= and they belong to another org', async () => {
    const email = `two-orgs-${sequence++}@example.com`;
    const created = await server.admin.users.create({ email, password: PASSWORD, role: 'viewer' });
    const person = await server.signIn(email, PASSWORD);
    await person.orgs.create({ name: `Own org ${sequence++}` });
    // No ?org=: the socket follows the org the server picks first, the admin's.
    const live = await opened({ credential: await accessTokenOf(person) });
    expect(await live.frame('ready')).toMatchObject({ orgId });

    await server.admin.members.remove(created.user.id);
    await server.app.live.recheckAll();
    expect((await live.closed).code).toBe(LIVE_CLOSE_TOKEN_EXPIRED);
  });
});
