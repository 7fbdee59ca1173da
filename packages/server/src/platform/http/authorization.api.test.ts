import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinControlPlane } from '@infrapilot/agent';
import { ApiError, type InfraPilotClient } from '@infrapilot/client';
import { type Permission, type Role, ROLES, roleAllows } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../modules/auth/totp.js';
import { createSelfSignedCertificate } from '../../modules/certificates/self-signed.js';
import { STOPPABLE_COMMAND, TestContainers } from '../../test-helpers/docker.js';
import { type ProxyTestAgent, proxyReported, startProxyAgent, startTestNginx, type TestNginx } from '../../test-helpers/proxy.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

/** A request the route would accept from a caller allowed to make it. */
interface SampleRequest {
  params?: Record<string, string>;
  body?: unknown;
  query?: Record<string, string>;
}

interface World {
  server: TestServer;
  /** People of the "default" org, one per role. */
  credentials: Record<Role, { email: string; password: string }>;
  /** Resources of an org none of them belongs to. */
  foreign: { orgId: string; orgSlug: string; userId: string; apiKeyId: string; agentId: string; enrollmentTokenId: string; certificateId: string };
  /** A real agent of the default org with Docker (exec allowed) and a proxy (a test nginx), connected, so commands to it succeed. */
  agent: ProxyTestAgent;
  nginx: TestNginx;
  /** Containers on this machine's dockerd for the container routes. */
  containers: TestContainers;
  /** A running container of the agent, and a compose stack of one. */
  containerName: string;
  stackName: string;
  /** State dirs of agents enrolled along the way. */
  stateDirs: string[];
}

interface RouteCase {
  /** What an allowed caller gets; 2xx unless stated. */
  expectAllowed?: number;
  /** Prepares a fresh request, so one role's call cannot spoil another's. */
  sample(world: World, caller: InfraPilotClient, role: Role): Promise<SampleRequest>;
  /** Undoes what an allowed call changed that later calls rely on. */
  cleanup?(world: World, caller: InfraPilotClient, role: Role): Promise<void>;
  /** Path parameters naming the foreign org's resource, for routes that address one. */
  foreignParams?(world: World): Record<string, string>;
}

const PASSWORD = 'a password long enough';
let sequence = 0;
let enrolledSecret = '';
const freshEmail = () => `person-${Date.now()}-${sequence++}@example.com`;

async function freshMember(world: World, role: Role = 'viewer'): Promise<string> {
  const created = await world.server.admin.users.create({ email: freshEmail(), password: PASSWORD, role });
  return created.user.id;
}

/** Enrolls a host through POST /agents and `agent join` without running it; returns its id. */
async function enrolledAgent(world: World, client: InfraPilotClient = world.server.admin): Promise<string> {
  const enrollment = await client.agents.create({ name: `host-${sequence++}` });
  const stateDir = mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
  world.stateDirs.push(stateDir);
  const identity = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir });
  return identity.agentId;
}

/** A route about the world's running container. */
function containerRoute(extra: Omit<SampleRequest, 'params'> = {}): RouteCase {
  return {
    sample: async (world) => ({ params: { id: world.agent.agentId, cid: world.containerName }, ...extra }),
    foreignParams: (world) => ({ id: world.foreign.agentId, cid: world.containerName }),
  };
}

/** A proxy host body no other call uses; nginx -t does not need its upstream to answer. */
function proxyBody(): { domain: string; upstream: { kind: 'address'; host: string; port: number } } {
  return { domain: `rbac-${sequence++}-${Date.now()}.test`, upstream: { kind: 'address', host: '127.0.0.1', port: 9 } };
}

/** A route about a proxy host of the world's agent, made fresh for each call. */
function proxyRoute(extra: () => Omit<SampleRequest, 'params'> = () => ({})): RouteCase {
  return {
    sample: async (world) => {
      const created = await world.server.admin.proxies.create(world.agent.agentId, proxyBody());
      return { params: { id: world.agent.agentId, pid: created.id }, ...extra() };
    },
    foreignParams: (world) => ({ id: world.foreign.agentId, pid: randomUUID() }),
  };
}

/** A certificate of the default org, made fresh for each call. */
function certificateRoute(expectAllowed?: number): RouteCase {
  return {
    ...(expectAllowed ? { expectAllowed } : {}),
    sample: async (world) => ({ params: { id: (await world.server.admin.certificates.createSelfSigned({ domains: [`cert-${sequence++}.test`], days: 1 })).id } }),
    foreignParams: (world) => ({ id: world.foreign.certificateId }),
  };
}

/** A route about the world's compose stack. */
function stackRoute(): RouteCase {
  return {
    sample: async (world) => ({ params: { id: world.agent.agentId, stack: world.stackName } }),
    foreignParams: (world) => ({ id: world.foreign.agentId, stack: world.stackName }),
  };
}

/** Every /api/v1 route, with how to call it. A new route fails the coverage test until it is added here. */
const ROUTES: Record<string, RouteCase> = {
  'POST /api/v1/auth/login': { sample: async (world) => ({ body: world.credentials.viewer }) },
  'POST /api/v1/auth/mfa/verify': {
    expectAllowed: 401, // public: reached the service, which refused the made-up token
    sample: async () => ({ body: { mfaToken: 'not-a-token', code: '123456' } }),
  },
  'POST /api/v1/auth/refresh': {
    sample: async (_world, caller) => ({ body: { refreshToken: caller.currentTokens!.refreshToken } }),
  },
  'POST /api/v1/auth/logout': { sample: async () => ({ body: {} }) },
  'GET /api/v1/auth/me': { sample: async () => ({}) },
  'POST /api/v1/auth/mfa/setup': { sample: async () => ({}) },
  'POST /api/v1/auth/mfa/enable': {
    sample: async (world, caller) => {
      const { secret } = await caller.auth.setupMfa();
      enrolledSecret = secret;
      return { body: { code: totp.codeAt(secret, world.server.clock.now()) } };
    },
    cleanup: async (world, caller) => {
      world.server.clock.advance(30_000);
      await caller.auth.disableMfa(totp.codeAt(enrolledSecret, world.server.clock.now()));
    },
  },
  'POST /api/v1/auth/mfa/disable': {
    sample: async (world, caller) => {
      const { secret } = await caller.auth.setupMfa();
      await caller.auth.enableMfa(totp.codeAt(secret, world.server.clock.now()));
      world.server.clock.advance(30_000); // the enabling code's step cannot be replayed
      return { body: { code: totp.codeAt(secret, world.server.clock.now()) } };
    },
  },
  'POST /api/v1/auth/password': {
    sample: async (_world, _caller, role) => ({ body: { currentPassword: PASSWORD, newPassword: `${PASSWORD} ${role}` } }),
    cleanup: async (_world, caller, role) => {
      await caller.auth.changePassword({ currentPassword: `${PASSWORD} ${role}`, newPassword: PASSWORD });
    },
  },
  'GET /api/v1/auth/sessions': { sample: async () => ({}) },
  'DELETE /api/v1/auth/sessions/:id': {
    sample: async (world, _caller, role) => {
      // Another session of the same person, so the caller's own keeps working.
      const other = await world.server.signIn(world.credentials[role].email, world.credentials[role].password);
      const sessions = await other.auth.sessions();
      return { params: { id: sessions.items.find((session) => session.current)!.id } };
    },
  },
  'POST /api/v1/users/:id/password': {
    sample: async (world) => ({ params: { id: await freshMember(world) }, body: {} }),
    foreignParams: (world) => ({ id: world.foreign.userId }),
  },
  'POST /api/v1/users/:id/mfa/reset': {
    sample: async (world) => ({ params: { id: await freshMember(world) } }),
    foreignParams: (world) => ({ id: world.foreign.userId }),
  },
  'GET /api/v1/orgs': { sample: async () => ({}) },
  'POST /api/v1/orgs': { sample: async () => ({ body: { name: `Lab ${sequence++}` } }) },
  'GET /api/v1/orgs/current': { sample: async () => ({}) },
  'PATCH /api/v1/orgs/current': { sample: async () => ({ body: { name: 'Default' } }) },
  'GET /api/v1/users': { sample: async () => ({}) },
  'GET /api/v1/members': { sample: async () => ({}) },
  'POST /api/v1/users': { sample: async () => ({ body: { email: freshEmail(), role: 'viewer' } }) },
  'GET /api/v1/users/:id': {
    sample: async (world) => ({ params: { id: await freshMember(world) } }),
    foreignParams: (world) => ({ id: world.foreign.userId }),
  },
  'POST /api/v1/users/:id/disable': {
    sample: async (world) => ({ params: { id: await freshMember(world) } }),
    foreignParams: (world) => ({ id: world.foreign.userId }),
  },
  'POST /api/v1/users/:id/enable': {
    sample: async (world) => ({ params: { id: await freshMember(world) } }),
    foreignParams: (world) => ({ id: world.foreign.userId }),
  },
  'POST /api/v1/members': {
    expectAllowed: 201,
    sample: async (world) => {
      // An account that exists but is not in the default org yet.
      const { email } = await outsiderAccount(world, freshEmail());
      return { body: { email, role: 'viewer' } };
    },
  },
  'PATCH /api/v1/members/:userId': {
    sample: async (world) => ({ params: { userId: await freshMember(world) }, body: { role: 'operator' } }),
    foreignParams: (world) => ({ userId: world.foreign.userId }),
  },
  'DELETE /api/v1/members/:userId': {
    sample: async (world) => ({ params: { userId: await freshMember(world) } }),
    foreignParams: (world) => ({ userId: world.foreign.userId }),
  },
  'GET /api/v1/api-keys': { sample: async () => ({}) },
  'POST /api/v1/api-keys': { sample: async () => ({ body: { name: 'ci', role: 'viewer' } }) },
  'DELETE /api/v1/api-keys/:id': {
    sample: async (world, caller, role) => {
      const owner = roleAllows(role, 'apikeys:manage') ? caller : world.server.admin;
      const { apiKey } = await owner.apiKeys.create({ name: 'to revoke', role: 'viewer' });
      return { params: { id: apiKey.id } };
    },
    foreignParams: (world) => ({ id: world.foreign.apiKeyId }),
  },
  'GET /api/v1/audit': { sample: async () => ({ query: { limit: '5' } }) },
  'GET /api/v1/agents': { sample: async () => ({ query: { limit: '5' } }) },
  'POST /api/v1/agents': { sample: async () => ({ body: { name: `host-${sequence++}` } }) },
  'GET /api/v1/agents/enrollment-tokens': { sample: async () => ({}) },
  'DELETE /api/v1/agents/enrollment-tokens/:id': {
    sample: async (world) => ({ params: { id: (await world.server.admin.agents.create({ name: 'to-revoke' })).enrollmentToken.id } }),
    foreignParams: (world) => ({ id: world.foreign.enrollmentTokenId }),
  },
  'GET /api/v1/agents/:id': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'DELETE /api/v1/agents/:id': {
    sample: async (world) => ({ params: { id: await enrolledAgent(world) } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/metrics': {
    sample: async (world) => ({ params: { id: world.agent.agentId }, query: { step: '60' } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'POST /api/v1/agents/:id/ping': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/system-info': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/containers': { sample: async () => ({ query: { limit: '5' } }) },
  'GET /api/v1/agents/:id/containers': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/containers/:cid': containerRoute(),
  'POST /api/v1/agents/:id/containers/:cid/start': containerRoute(),
  'POST /api/v1/agents/:id/containers/:cid/stop': containerRoute({ query: { timeoutSeconds: '5' } }),
  'POST /api/v1/agents/:id/containers/:cid/restart': containerRoute({ query: { timeoutSeconds: '5' } }),
  'DELETE /api/v1/agents/:id/containers/:cid': {
    sample: async (world) => ({ params: { id: world.agent.agentId, cid: (await world.containers.run('rbac-removed', ['true'], [], { created: true })).name } }),
    foreignParams: (world) => ({ id: world.foreign.agentId, cid: 'anything' }),
  },
  'GET /api/v1/agents/:id/containers/:cid/logs': containerRoute({ query: { tail: '5' } }),
  'GET /api/v1/agents/:id/containers/:cid/stats': containerRoute(),
  'POST /api/v1/agents/:id/containers/:cid/exec': containerRoute({ body: { command: ['true'] } }),
  // The sockets' plain GET (no upgrade) says to open a WebSocket; the sockets themselves are tested in modules/containers.
  'GET /api/v1/agents/:id/containers/:cid/logs/stream': { ...containerRoute(), expectAllowed: 400, foreignParams: undefined },
  'GET /api/v1/agents/:id/containers/:cid/exec': { ...containerRoute(), expectAllowed: 400, foreignParams: undefined },
  'GET /api/v1/stacks': { sample: async () => ({}) },
  'GET /api/v1/agents/:id/stacks': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'POST /api/v1/agents/:id/stacks/:stack/start': stackRoute(),
  'POST /api/v1/agents/:id/stacks/:stack/stop': stackRoute(),
  'POST /api/v1/agents/:id/stacks/:stack/restart': stackRoute(),
  'GET /api/v1/agents/:id/docker': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/images': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/volumes': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/networks': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/proxies': { sample: async () => ({ query: { limit: '5' } }) },
  'GET /api/v1/agents/:id/proxies': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'POST /api/v1/agents/:id/proxies': {
    sample: async (world) => ({ params: { id: world.agent.agentId }, body: proxyBody() }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/agents/:id/proxies/:pid': proxyRoute(),
  'PUT /api/v1/agents/:id/proxies/:pid': proxyRoute(() => ({ body: proxyBody() })),
  'DELETE /api/v1/agents/:id/proxies/:pid': proxyRoute(),
  'POST /api/v1/agents/:id/proxies/:pid/ssl': proxyRoute(() => ({ body: { source: 'self_signed', days: 1 } })),
  'GET /api/v1/agents/:id/proxies/:pid/config': proxyRoute(),
  'POST /api/v1/agents/:id/proxies/:pid/test': proxyRoute(),
  'GET /api/v1/agents/:id/proxy': {
    sample: async (world) => ({ params: { id: world.agent.agentId } }),
    foreignParams: (world) => ({ id: world.foreign.agentId }),
  },
  'GET /api/v1/certificates': { sample: async () => ({ query: { limit: '5' } }) },
  'POST /api/v1/certificates': {
    sample: async () => {
      const pair = await createSelfSignedCertificate([`upload-${sequence++}.test`], 1, new Date());
      return { body: { certificatePem: pair.certificatePem, privateKeyPem: pair.privateKeyPem } };
    },
  },
  'POST /api/v1/certificates/self-signed': { sample: async () => ({ body: { domains: [`self-${sequence++}.test`], days: 1 } }) },
  'GET /api/v1/certificates/acme': { sample: async () => ({}) },
  'GET /api/v1/certificates/:id': certificateRoute(),
  'DELETE /api/v1/certificates/:id': certificateRoute(),
  // Only ACME certificates renew: a self-signed one reached the service, which refused it.
  'POST /api/v1/certificates/:id/renew': certificateRoute(409),
};

/** Creates an account that belongs only to an org of its own. */
async function outsiderAccount(world: World, email: string): Promise<{ email: string; password: string }> {
  const { admin } = world.server;
  const org = await admin.orgs.create({ name: `Scratch ${sequence++}` });
  admin.useOrg(org.id);
  try {
    await admin.users.create({ email, password: PASSWORD, role: 'viewer' });
  } finally {
    admin.useOrg(undefined);
  }
  return { email, password: PASSWORD };
}

function fillPath(url: string, params: Record<string, string> = {}): string {
  return url.replace(/:(\w+)/g, (_match, name: string) => {
    const value = params[name];
    if (!value) throw new Error(`no value for :${name} in ${url}`);
    return value;
  });
}

async function call(client: InfraPilotClient, key: string, request: SampleRequest): Promise<{ status: number; code?: string }> {
  const [method, url] = key.split(' ') as [string, string];
  try {
    await client.request(method, fillPath(url, request.params), {
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.query ? { query: request.query } : {}),
    });
    return { status: method === 'POST' && /\/(users|members|api-keys|orgs)$/.test(url) ? 201 : 200 };
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code };
    throw error;
  }
}

describeOnBothDialects('authorization: every route × every role × another org', (dialect) => {
  const world = {} as World;

  beforeAll(async () => {
    world.server = await startTestServer(dialect);
    world.stateDirs = [];
    const { admin } = world.server;
    world.credentials = {} as World['credentials'];
    for (const role of ROLES) {
      const email = `${role}@example.com`;
      if (role !== 'super_admin') await admin.users.create({ email, password: PASSWORD, role });
      else await admin.users.create({ email, password: PASSWORD, role: 'super_admin' });
      world.credentials[role] = { email, password: PASSWORD };
    }
    // Another tenant: its own founder, a member and an API key.
    await admin.users.create({ email: 'founder@elsewhere.example', password: PASSWORD, role: 'viewer' });
    const founder = await world.server.signIn('founder@elsewhere.example', PASSWORD);
    const org = await founder.orgs.create({ name: 'Elsewhere', slug: 'elsewhere' });
    founder.useOrg(org.id);
    await admin.members.remove((await founder.auth.me()).user!.id);
    const member = await founder.users.create({ email: 'member@elsewhere.example', password: PASSWORD, role: 'operator' });
    const key = await founder.apiKeys.create({ name: 'elsewhere', role: 'viewer' });
    const foreignAgentId = await enrolledAgent(world, founder);
    const foreignToken = await founder.agents.create({ name: 'elsewhere-host' });
    const foreignCertificate = await founder.certificates.createSelfSigned({ domains: ['elsewhere.test'], days: 1 });
    world.foreign = {
      orgId: org.id,
      orgSlug: org.slug,
      userId: member.user.id,
      apiKeyId: key.apiKey.id,
      agentId: foreignAgentId,
      enrollmentTokenId: foreignToken.enrollmentToken.id,
      certificateId: foreignCertificate.id,
    };
    world.nginx = await startTestNginx();
    world.agent = await startProxyAgent(admin, 'rbac-host', { nginx: world.nginx });
    await proxyReported(admin, world.agent.agentId);
    await eventually(async () => (await admin.agents.get(world.agent.agentId)).connected, 'the default org’s agent connects');
    world.containers = new TestContainers();
    world.containerName = (await world.containers.run('rbac', STOPPABLE_COMMAND)).name;
    world.stackName = `rbac-${sequence++}-${Date.now()}`;
    await world.containers.run(`${world.stackName}-web`, STOPPABLE_COMMAND, ['--label', `com.docker.compose.project=${world.stackName}`, '--label', 'com.docker.compose.service=web']);
    await eventually(async () => (await admin.docker.engine(world.agent.agentId)).available, 'the agent reports Docker');
  });
  afterAll(async () => {
    await world.containers?.removeAll();
    await world.agent?.destroy();
    await world.nginx?.stop();
    await world.server?.destroy();
    for (const dir of world.stateDirs ?? []) rmSync(dir, { recursive: true, force: true });
  });

  it('knows how to call every /api/v1 route, and every route declares who may call it', () => {
    const registered = world.server.app.routes.filter((route) => route.url.startsWith('/api/v1/'));
    const keys = registered.map((route) => `${route.method} ${route.url}`).sort();
    expect(keys).toEqual(Object.keys(ROUTES).sort());
    for (const route of registered) {
      expect(route.access, `${route.method} ${route.url} declares access`).toBeDefined();
      if (route.method !== 'GET') expect(route.audit, `${route.method} ${route.url} declares its audit action`).toBeDefined();
    }
  });

  for (const role of ROLES) {
    it(`lets a ${role} do exactly what the permission matrix allows`, async () => {
      const outcomes: string[] = [];
      for (const route of world.server.app.routes.filter((entry) => entry.url.startsWith('/api/v1/'))) {
        const key = `${route.method} ${route.url}`;
        const routeCase = ROUTES[key]!;
        const caller = await world.server.signIn(world.credentials[role].email, world.credentials[role].password);
        const request = await routeCase.sample(world, caller, role);
        const { status, code } = await call(caller, key, request);
        const access = route.access!;
        const allowed = access === 'public' || access === 'authenticated' || roleAllows(role, access as Permission);
        if (allowed) {
          const expected = routeCase.expectAllowed;
          const ok = expected ? status === expected : status >= 200 && status < 300;
          if (!ok) outcomes.push(`${key}: expected ${expected ?? '2xx'} for ${role}, got ${status} ${code ?? ''}`);
        } else if (status !== 403 || code !== 'forbidden') {
          outcomes.push(`${key}: expected 403 forbidden for ${role}, got ${status} ${code ?? ''}`);
        }
        if (allowed) await routeCase.cleanup?.(world, caller, role);
      }
      expect(outcomes).toEqual([]);
    });

    it(`answers a ${role} 404, never 403, for another org's resources — the same as for ids that do not exist`, async () => {
      const caller = await world.server.signIn(world.credentials[role].email, world.credentials[role].password);
      const problems: string[] = [];
      for (const route of world.server.app.routes) {
        const key = `${route.method} ${route.url}`;
        const routeCase = ROUTES[key];
        if (!routeCase?.foreignParams) continue;
        const sample = await routeCase.sample(world, world.server.admin, 'super_admin');
        const foreign = await call(caller, key, { ...sample, params: routeCase.foreignParams(world) });
        const missingParams = Object.fromEntries(Object.keys(routeCase.foreignParams(world)).map((name) => [name, randomUUID()]));
        const missing = await call(caller, key, { ...sample, params: missingParams });
        const expected = roleAllows(role, route.access as Permission) ? 404 : 403;
        if (foreign.status !== expected) problems.push(`${key}: foreign resource gave ${foreign.status}, expected ${expected}`);
        if (foreign.status !== missing.status || foreign.code !== missing.code) {
          problems.push(`${key}: foreign (${foreign.status} ${foreign.code}) differs from missing (${missing.status} ${missing.code})`);
        }
      }
      expect(problems).toEqual([]);
    });

    it(`answers a ${role} 404 when a request names another org in X-InfraPilot-Org`, async () => {
      const problems: string[] = [];
      for (const orgRef of [world.foreign.orgSlug, world.foreign.orgId]) {
        const caller = await world.server.signIn(world.credentials[role].email, world.credentials[role].password);
        caller.useOrg(orgRef);
        for (const route of world.server.app.routes) {
          const access = route.access;
          if (!route.url.startsWith('/api/v1/') || !access || access === 'public' || access === 'authenticated') continue;
          const key = `${route.method} ${route.url}`;
          const sample = await ROUTES[key]!.sample(world, world.server.admin, 'super_admin');
          const { status, code } = await call(caller, key, sample);
          if (status !== 404 || code !== 'not_found') problems.push(`${key} with org ${orgRef}: got ${status} ${code ?? ''}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('records a denied attempt in the audit log', async () => {
    const viewer = await world.server.signIn(world.credentials.viewer.email, world.credentials.viewer.password);
    await expect(viewer.users.create({ email: freshEmail(), role: 'viewer' })).rejects.toMatchObject({ status: 403 });
    const { items } = await world.server.admin.audit.list({ action: 'user.create', limit: 1 });
    expect(items[0]).toMatchObject({ actorLabel: world.credentials.viewer.email, responseStatus: 403 });
  });
});

describe('route table', () => {
  it('lists each route once', () => {
    expect(new Set(Object.keys(ROUTES)).size).toBe(Object.keys(ROUTES).length);
  });
});
