import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaPinMismatchError, JoinError, joinControlPlane, type JoinOptions } from '@infrapilot/agent';
import type { InfraPilotClient } from '@infrapilot/client';
import type { AgentEnrollment } from '@infrapilot/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InternalCa } from '../platform/crypto/internal-ca.js';
import { createAnotherOrg } from '../test-helpers/another-org.js';
import { apiFailure } from '../test-helpers/api-failure.js';
import { createEnrollment, eventually, startTestAgent, type TestAgent } from '../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../test-helpers/test-server.js';

const HOUR_MS = 60 * 60 * 1000;

describeOnBothDialects('agent enrollment', (dialect) => {
  let server: TestServer;
  const stateDirs: string[] = [];

  const freshStateDir = () => {
    const directory = mkdtempSync(join(tmpdir(), 'infrapilot-join-'));
    stateDirs.push(directory);
    return directory;
  };
  const join_ = (enrollment: AgentEnrollment, overrides: Partial<JoinOptions> = {}) =>
    joinControlPlane({
      serverUrl: enrollment.serverUrl,
      token: enrollment.token,
      caHash: enrollment.caHash,
      stateDir: freshStateDir(),
      hostname: 'host.test',
      ...overrides,
    });
  const agentCount = async () => {
    const row = await server.app.database.root.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    return Number(row.count);
  };
  /** Joins, expecting a refusal; returns its message after checking that no agent row appeared. */
  const refusal = async (attempt: () => Promise<unknown>): Promise<string> => {
    const before = await agentCount();
    const error = await attempt().then(
      () => new Error('enrollment succeeded'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(JoinError);
    expect(await agentCount()).toBe(before);
    return (error as Error).message;
  };

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterEach(() => {
    for (const directory of stateDirs.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('enrolls a host with a fresh token, once', async () => {
    const enrollment = await createEnrollment(server.admin, 'first');
    const before = await agentCount();
    const identity = await join_(enrollment);
    expect(await agentCount()).toBe(before + 1);
    expect(identity.orgId).toBe((await server.admin.orgs.current()).id);
    const listed = await server.admin.agents.enrollmentTokens();
    expect(listed.items.map((token) => token.id)).not.toContain(enrollment.enrollmentToken.id);
  });

  it('refuses a token that was already used', async () => {
    const enrollment = await createEnrollment(server.admin, 'used');
    await join_(enrollment);
    expect(await refusal(() => join_(enrollment))).toMatch(/already used/);
  });

  it('refuses a token past its one-hour expiry', async () => {
    const enrollment = await createEnrollment(server.admin, 'late');
    server.clock.advance(HOUR_MS + 1_000);
    expect(await refusal(() => join_(enrollment))).toMatch(/expired/);
  });

  it('refuses a token a super_admin revoked', async () => {
    const enrollment = await createEnrollment(server.admin, 'revoked');
    await server.admin.agents.revokeEnrollmentToken(enrollment.enrollmentToken.id);
    expect(await refusal(() => join_(enrollment))).toMatch(/revoked/);
  });

  it('refuses a token of another organization than the one the join command names', async () => {
    const defaultOrgId = (await server.admin.orgs.current()).id;
    const elsewhere = await createAnotherOrg(server);
    const enrollment = await createEnrollment(elsewhere.founder, 'wrong-org');
    expect(await refusal(() => join_(enrollment, { orgId: defaultOrgId }))).toMatch(/another organization/);
    // The same token, joined for its own org, still works: the refusal did not use it up.
    const identity = await join_(enrollment, { orgId: elsewhere.orgId });
    expect(identity.orgId).toBe(elsewhere.orgId);
  });

  it('refuses a token nobody issued', async () => {
    const enrollment = await createEnrollment(server.admin, 'real');
    expect(await refusal(() => join_({ ...enrollment, token: `${enrollment.token.slice(0, 8)}${'x'.repeat(40)}` }))).toMatch(/not known/);
  });

  it('enrolls exactly one host when two use the same token at once', async () => {
    const enrollment = await createEnrollment(server.admin, 'raced');
    const before = await agentCount();
    const outcomes = await Promise.allSettled([join_(enrollment, { hostname: 'a.test' }), join_(enrollment, { hostname: 'b.test' })]);
    const joined = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(joined).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(JoinError);
    expect((refused[0]!.reason as Error).message).toMatch(/already used/);
    expect(await agentCount()).toBe(before + 1);
  });

  describe('CA pinning', () => {
    it('stops before sending the token when the server is not the pinned CA, writing nothing', async () => {
      const enrollment = await createEnrollment(server.admin, 'pinned');
      const wrongHash = (await InternalCa.create('Not ours')).pinnedHash;
      const stateDir = freshStateDir();
      const before = await agentCount();

      const error = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: wrongHash, stateDir, hostname: 'pinned.test' }).then(
        () => new Error('enrollment succeeded'),
        (caught: unknown) => caught,
      );

      expect(error).toBeInstanceOf(CaPinMismatchError);
      const mismatch = error as CaPinMismatchError;
      expect(mismatch.expected).toBe(wrongHash);
      expect(mismatch.presented).toEqual([enrollment.caHash]);
      expect(mismatch.message).toContain(wrongHash);
      expect(mismatch.message).toContain(enrollment.caHash);
      expect(readdirSync(stateDir)).toEqual([]);
      expect(await agentCount()).toBe(before);
      // The server never saw a Register: the token is still open and still works.
      const open = await server.admin.agents.enrollmentTokens();
      expect(open.items.map((token) => token.id)).toContain(enrollment.enrollmentToken.id);
      await expect(joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: 'pinned.test' })).resolves.toMatchObject({
        orgId: (await server.admin.orgs.current()).id,
      });
    });
  });
});

describeOnBothDialects('an agent seen from another organization', (dialect) => {
  let server: TestServer;
  let agent: TestAgent;
  /** super_admin of another org, and of no other. */
  let outsider: InfraPilotClient;
  let homeOrgId: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    homeOrgId = (await server.admin.orgs.current()).id;
    agent = await startTestAgent(server.admin, 'org-a-host');
    await eventually(async () => (await server.admin.agents.get(agent.agentId)).connected, 'the agent connects');
    outsider = (await createAnotherOrg(server)).founder;
  });
  afterAll(async () => {
    await agent?.destroy();
    await server?.destroy();
  });

  const notFound = async (client: InfraPilotClient) => {
    const id = agent.agentId;
    const calls: Record<string, () => Promise<unknown>> = {
      get: () => client.agents.get(id),
      metrics: () => client.agents.metrics(id),
      ping: () => client.agents.ping(id),
      'system-info': () => client.agents.systemInfo(id),
      delete: () => client.agents.remove(id),
    };
    const outcomes: Record<string, string> = {};
    for (const [name, call] of Object.entries(calls)) {
      const failure = await apiFailure(call());
      outcomes[name] = `${failure.status} ${failure.code}`;
    }
    return outcomes;
  };
  const everyCall = (outcome: string) => ({ get: outcome, metrics: outcome, ping: outcome, 'system-info': outcome, delete: outcome });

  it("answers a super_admin of another org 404 for the agent, and lists none of it", async () => {
    expect(await notFound(outsider)).toEqual(everyCall('404 not_found'));
    expect((await outsider.agents.list()).items).toEqual([]);
  });

  it('answers 404 when the outsider names the agent\'s org in X-InfraPilot-Org', async () => {
    outsider.useOrg(homeOrgId);
    try {
      expect(await notFound(outsider)).toEqual(everyCall('404 not_found'));
    } finally {
      outsider.useOrg(undefined);
    }
  });

  it("leaves the agent connected and working for its own org", async () => {
    expect(server.app.commands.isConnected(agent.agentId)).toBe(true);
    const shown = await server.admin.agents.get(agent.agentId);
    expect(shown.connected).toBe(true);
    await expect(server.admin.agents.ping(agent.agentId)).resolves.toMatchObject({ agentId: agent.agentId });
  });
});
