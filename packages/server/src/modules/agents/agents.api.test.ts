import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_VERSION, AgentRejectedError, JoinError, joinControlPlane } from '@infrapilot/agent';
import type { InfraPilotClient } from '@infrapilot/client';
import type { Agent, AgentEnrollment } from '@infrapilot/protocol';
import { AGENT_PROTOCOL_VERSION } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFailure, statusOf } from '../../test-helpers/api-failure.js';
import { eventually, runTestAgent, startTestAgent, type TestAgent } from '../../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PASSWORD = 'a password long enough';
const MISSING_ID = '0190a0a0-0000-7000-8000-000000000000';

describeOnBothDialects('agents over HTTP', (dialect) => {
  let server: TestServer;
  let viewer: InfraPilotClient;
  let operator: InfraPilotClient;
  /** web-1: enrolled in beforeAll, as the API showed it before it first ran, then running. */
  let web1: TestAgent;
  let web1BeforeRunning: Agent;
  let web1EnrolledAt: string;
  const stateDirs: string[] = [];
  const running: TestAgent[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    for (const role of ['viewer', 'operator'] as const) {
      await server.admin.users.create({ email: `${role}@example.com`, password: PASSWORD, role });
    }
    viewer = await server.signIn('viewer@example.com', PASSWORD);
    operator = await server.signIn('operator@example.com', PASSWORD);

    const { agentId, stateDir } = await enroll(server.admin, 'web-1');
    web1EnrolledAt = server.clock.now().toISOString();
    web1BeforeRunning = await server.admin.agents.get(agentId);
    web1 = runTestAgent(agentId, stateDir);
    running.push(web1);
  });
  afterAll(async () => {
    for (const agent of running) await agent.stop();
    await server?.destroy();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** POST /agents and `agent join`, without running the agent. */
  async function enroll(client: InfraPilotClient, name: string): Promise<{ agentId: string; stateDir: string; enrollment: AgentEnrollment }> {
    const enrollment = await client.agents.create({ name });
    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
    stateDirs.push(stateDir);
    const identity = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: `${name}.test` });
    return { agentId: identity.agentId, stateDir, enrollment };
  }

  async function connected(id: string): Promise<Agent> {
    return eventually(async () => {
      const agent = await server.admin.agents.get(id);
      return agent.status === 'active' && agent.connected && agent.live && agent.capabilities.length > 0 ? agent : undefined;
    }, `agent ${id} active and connected`);
  }

  async function rawPost(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.admin.currentTokens!.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  // ------------------------------------------------------------ enrollment

  it('refuses a host name that is not a plain name, pointing at the field', async () => {
    for (const name of ['../x', 'a b', '', '-leading-dash', '.hidden', 'x'.repeat(64), 'semi;colon', 'new\nline', 'ünïcode']) {
      const error = await apiFailure(server.admin.request('POST', '/api/v1/agents', { body: { name } }));
      expect(error, JSON.stringify(name)).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.details.map((detail) => detail.path), JSON.stringify(name)).toEqual(['body.name']);
    }
    const missing = await apiFailure(server.admin.request('POST', '/api/v1/agents', { body: {} }));
    expect(missing.details.map((detail) => detail.path)).toEqual(['body.name']);
    const extra = await apiFailure(server.admin.request('POST', '/api/v1/agents', { body: { name: 'web-2', org: 'elsewhere' } }));
    expect(extra.details.map((detail) => detail.path)).toEqual(['body.org']);
  });

  it('accepts token lifetimes from 5 minutes to 7 days and nothing outside', async () => {
    for (const expiresInMinutes of [4, 10_081, 0, -5, 5.5, '60']) {
      const error = await apiFailure(server.admin.request('POST', '/api/v1/agents', { body: { name: 'web-2', expiresInMinutes } }));
      expect(error, String(expiresInMinutes)).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.details.map((detail) => detail.path)).toEqual(['body.expiresInMinutes']);
    }
    for (const expiresInMinutes of [5, 10_080]) {
      const created = await server.admin.agents.create({ name: 'bounds', expiresInMinutes });
      const { createdAt, expiresAt } = created.enrollmentToken;
      expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(expiresInMinutes * 60_000);
    }
  });

  it('answers 201 with a join command and an installer that carry the server, the token and the pinned CA hash', async () => {
    const response = await rawPost('/api/v1/agents', { name: 'web-2' });
    expect(response.status).toBe(201);
    const enrollment = (await response.json()) as AgentEnrollment;
    const me = await server.admin.auth.me();
    const now = server.clock.now();

    expect(enrollment.token).toMatch(/^ipe_[A-Za-z0-9_-]{43}$/);
    // The gRPC endpoint agents dial, on the port the gateway actually bound.
    expect(new URL(enrollment.serverUrl)).toMatchObject({ protocol: 'https:', port: String(server.gateway.port), pathname: '/' });
    const der = new X509Certificate(readFileSync(join(server.dataDir, 'ca', 'ca.crt'))).raw;
    expect(enrollment.caHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(enrollment.caHash).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
    expect(enrollment.joinCommand).toBe(`infrapilot agent join --server ${enrollment.serverUrl} --token ${enrollment.token} --ca-hash ${enrollment.caHash}`);
    // The test server's public URL is the address it listens on.
    expect(enrollment.installCommand).toBe(`curl -fsSL ${server.baseUrl}/install.sh | sh -s -- --token ${enrollment.token} --ca-hash ${enrollment.caHash}`);
    expect(enrollment.enrollmentToken).toEqual({
      id: expect.any(String),
      name: 'web-2',
      createdBy: me.user!.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 60 * 60_000).toISOString(),
    });
  });

  it('stores only a hash of the token', async () => {
    const enrollment = await server.admin.agents.create({ name: 'hashed' });
    const rows = await server.app.database.root.selectFrom('enrollment_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(enrollment.token);
    expect(JSON.stringify(rows)).not.toContain(enrollment.token.slice(4));
    const row = rows.find((candidate) => candidate.id === enrollment.enrollmentToken.id);
    expect(row?.token_hash).toBe(createHash('sha256').update(enrollment.token).digest('hex'));
  });

  it('lists tokens waiting for a host, and a revoked one neither lists nor enrolls', async () => {
    const waiting = await server.admin.agents.create({ name: 'waiting' });
    const revoked = await server.admin.agents.create({ name: 'revoked' });
    const listed = async () => (await server.admin.agents.enrollmentTokens()).items.map((token) => token.id);
    expect(await listed()).toEqual(expect.arrayContaining([waiting.enrollmentToken.id, revoked.enrollmentToken.id]));
    expect((await server.admin.agents.enrollmentTokens()).items.find((token) => token.id === waiting.enrollmentToken.id)).toEqual(waiting.enrollmentToken);

    await expect(server.admin.agents.revokeEnrollmentToken(revoked.enrollmentToken.id)).resolves.toEqual({ ok: true });
    expect(await listed()).not.toContain(revoked.enrollmentToken.id);
    expect(await apiFailure(server.admin.agents.revokeEnrollmentToken(revoked.enrollmentToken.id))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await apiFailure(server.admin.agents.revokeEnrollmentToken(MISSING_ID))).toMatchObject({ status: 404, code: 'not_found' });

    const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
    stateDirs.push(stateDir);
    const joining = joinControlPlane({ serverUrl: revoked.serverUrl, token: revoked.token, caHash: revoked.caHash, stateDir });
    await expect(joining).rejects.toThrow(/revoked/);
    await expect(joining).rejects.toBeInstanceOf(JoinError);
  });

  it('no longer lists a token once a host used it', async () => {
    const { enrollment } = await enroll(server.admin, 'used-token');
    const ids = (await server.admin.agents.enrollmentTokens()).items.map((token) => token.id);
    expect(ids).not.toContain(enrollment.enrollmentToken.id);
    expect(await apiFailure(server.admin.agents.revokeEnrollmentToken(enrollment.enrollmentToken.id))).toMatchObject({ status: 404 });
  });

  // ------------------------------------------------------------ roles and audit

  it('lets viewers and operators look at hosts but not enroll or remove them', async () => {
    await connected(web1.agentId);
    const waiting = await server.admin.agents.create({ name: 'not-yours' });
    for (const client of [viewer, operator]) {
      expect((await client.agents.list()).items.map((agent) => agent.id)).toContain(web1.agentId);
      expect((await client.agents.get(web1.agentId)).name).toBe('web-1');
      await expect(client.agents.metrics(web1.agentId)).resolves.toMatchObject({ agentId: web1.agentId });
      await expect(client.agents.ping(web1.agentId)).resolves.toMatchObject({ agentId: web1.agentId });
      await expect(client.agents.systemInfo(web1.agentId)).resolves.toMatchObject({ agentVersion: AGENT_VERSION });

      expect(await apiFailure(client.agents.create({ name: 'sneaky' }))).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await apiFailure(client.agents.remove(web1.agentId))).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await apiFailure(client.agents.enrollmentTokens())).toMatchObject({ status: 403, code: 'forbidden' });
      expect(await apiFailure(client.agents.revokeEnrollmentToken(waiting.enrollmentToken.id))).toMatchObject({ status: 403, code: 'forbidden' });
    }
    expect((await server.admin.agents.get(web1.agentId)).connected).toBe(true);
    expect((await server.admin.agents.enrollmentTokens()).items.map((token) => token.id)).toContain(waiting.enrollmentToken.id);
  });

  it('audits enrollment and removal without writing the token down', async () => {
    const { agentId, enrollment } = await enroll(server.admin, 'audited');
    const admin = await server.admin.auth.me();
    const created = await server.admin.audit.list({ action: 'agent.enrollment_create', resourceId: enrollment.enrollmentToken.id });
    expect(created.items).toHaveLength(1);
    expect(created.items[0]).toMatchObject({
      userId: admin.user!.id,
      actorLabel: 'admin@example.com',
      resourceType: 'enrollment_token',
      responseStatus: 201,
      requestBody: { name: 'audited' },
    });
    expect(JSON.stringify(created.items[0])).not.toContain(enrollment.token);

    await server.admin.agents.remove(agentId);
    const removed = await server.admin.audit.list({ action: 'agent.remove', resourceId: agentId });
    expect(removed.items).toHaveLength(1);
    expect(removed.items[0]).toMatchObject({ userId: admin.user!.id, resourceType: 'agent', responseStatus: 200 });

    await apiFailure(viewer.agents.create({ name: 'denied' }));
    const denied = await server.admin.audit.list({ action: 'agent.enrollment_create', limit: 1 });
    expect(denied.items[0]).toMatchObject({ actorLabel: 'viewer@example.com', responseStatus: 403 });
  });

  // ------------------------------------------------------------ a real host

  it('shows an enrolled host as pending, then active with its version, OS, capabilities and live figures', async () => {
    expect(web1BeforeRunning).toMatchObject({
      id: web1.agentId,
      name: 'web-1',
      hostname: 'web-1.test',
      status: 'pending',
      connected: false,
      version: AGENT_VERSION,
      protocolVersion: AGENT_PROTOCOL_VERSION,
      os: { name: expect.any(String), kernel: os.release(), architecture: os.arch(), platform: process.platform },
      lastSeenAt: null,
      createdAt: web1EnrolledAt,
      live: null,
    });
    expect(web1BeforeRunning.certificateFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const expiresIn = Date.parse(web1BeforeRunning.certificateExpiresAt!) - Date.now();
    expect(Math.abs(expiresIn - 30 * DAY_MS)).toBeLessThan(5 * 60_000);

    const active = await connected(web1.agentId);
    expect(active).toMatchObject({ status: 'active', connected: true, hostname: 'web-1.test', version: AGENT_VERSION, lastSeenAt: expect.any(String) });
    expect([...active.capabilities].sort()).toEqual(['ping', 'system.info']);
    const live = active.live!;
    expect(live.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(live.cpuPercent).toBeLessThanOrEqual(100);
    expect(live.memoryTotalBytes).toBe(os.totalmem());
    expect(live.memoryUsedBytes).toBeGreaterThan(0);
    expect(live.memoryUsedBytes).toBeLessThanOrEqual(live.memoryTotalBytes);
    expect(live.disks.length).toBeGreaterThan(0);
    for (const disk of live.disks) {
      expect(disk.mountPoint.startsWith('/')).toBe(true);
      expect(disk.totalBytes).toBeGreaterThan(0);
      expect(disk.usedBytes).toBeLessThanOrEqual(disk.totalBytes);
    }
    expect(live.uptimeSeconds).toBeGreaterThan(0);
    expect(live.loadAverage1m).toBeGreaterThanOrEqual(0);
  });

  it('reports what the host says about itself through system.info', async () => {
    await connected(web1.agentId);
    const info = await server.admin.agents.systemInfo(web1.agentId);
    expect(info).toMatchObject({
      hostname: os.hostname(),
      os: { kernel: os.release(), architecture: os.arch(), platform: process.platform },
      memoryTotalBytes: os.totalmem(),
      agentVersion: AGENT_VERSION,
      runtimeVersion: process.version,
    });
    expect(info.cpuCount).toBeGreaterThanOrEqual(1);
    expect(info.cpuModel.length).toBeGreaterThan(0);
    expect(info.uptimeSeconds).toBeGreaterThan(0);
    expect([...info.capabilities].sort()).toEqual(['ping', 'system.info']);
  });

  it('answers 503 agent_offline for commands to a host that is not connected', async () => {
    const { agentId } = await enroll(server.admin, 'never-started');
    expect(await apiFailure(server.admin.agents.ping(agentId))).toMatchObject({ status: 503, code: 'agent_offline' });
    expect(await apiFailure(server.admin.agents.systemInfo(agentId))).toMatchObject({ status: 503, code: 'agent_offline' });
  });

  it('removes a host: gone from the API, its stream closed and the agent turned away', async () => {
    const agent = await startTestAgent(server.admin, 'doomed');
    running.push(agent);
    stateDirs.push(agent.stateDir);
    await connected(agent.agentId);

    const removed = await server.admin.agents.remove(agent.agentId);
    expect(removed).toMatchObject({ id: agent.agentId, name: 'doomed', connected: false });
    await expect(agent.finished).rejects.toBeInstanceOf(AgentRejectedError);
    expect(await apiFailure(server.admin.agents.get(agent.agentId))).toMatchObject({ status: 404, code: 'not_found' });
    expect((await server.admin.agents.list({ limit: 200 })).items.map((shown) => shown.id)).not.toContain(agent.agentId);
    expect(await statusOf(server.admin.agents.ping(agent.agentId))).toBe(404);
    expect(await apiFailure(server.admin.agents.remove(agent.agentId))).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers 404 for a host that does not exist', async () => {
    const { agents } = server.admin;
    for (const request of [agents.get, agents.remove, agents.metrics, agents.ping, agents.systemInfo]) {
      expect(await apiFailure(request(MISSING_ID))).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  // ------------------------------------------------------------ organizations and pages

  it('keeps each org’s hosts to itself', async () => {
    const org = await server.admin.orgs.create({ name: 'Lab' });
    const inLab = await server.signIn('admin@example.com', 'correct horse battery staple');
    inLab.useOrg(org.id);
    const { agentId } = await enroll(inLab, 'lab-1');

    expect((await inLab.agents.list()).items.map((agent) => agent.id)).toEqual([agentId]);
    expect((await server.admin.agents.list({ limit: 200 })).items.map((agent) => agent.id)).not.toContain(agentId);
    const { agents } = server.admin;
    for (const request of [agents.get, agents.remove, agents.metrics, agents.ping, agents.systemInfo]) {
      expect(await apiFailure(request(agentId))).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect(await apiFailure(inLab.agents.get(web1.agentId))).toMatchObject({ status: 404, code: 'not_found' });
    const labToken = await inLab.agents.create({ name: 'lab-2' });
    expect((await server.admin.agents.enrollmentTokens()).items.map((token) => token.id)).not.toContain(labToken.enrollmentToken.id);
    expect(await apiFailure(server.admin.agents.revokeEnrollmentToken(labToken.enrollmentToken.id))).toMatchObject({ status: 404 });
    expect((await inLab.agents.get(agentId)).name).toBe('lab-1');
  });

  it('pages through the hosts of an org', async () => {
    const org = await server.admin.orgs.create({ name: 'Paged' });
    const client = await server.signIn('admin@example.com', 'correct horse battery staple');
    client.useOrg(org.id);
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await enroll(client, `paged-${index}`)).agentId);

    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await client.agents.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      sizes.push(page.items.length);
      seen.push(...page.items.map((agent) => agent.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].sort());
    expect((await client.agents.list({ limit: 5 })).nextCursor).toBeNull();

    for (const limit of ['0', '201', 'x']) {
      const error = await apiFailure(client.request('GET', '/api/v1/agents', { query: { limit } }));
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.details[0]?.path).toBe('querystring.limit');
    }
  });
});
