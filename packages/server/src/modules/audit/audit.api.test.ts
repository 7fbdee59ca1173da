import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test-helpers/test-server.js';

describeOnBothDialects('audit API', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('records who created a user, with the password redacted from the stored body', async () => {
    const { user } = await server.admin.users.create({ email: 'audited@example.com', password: 'secret password 123', role: 'viewer' });
    const { items } = await server.admin.audit.list({ action: 'user.create', resourceId: user.id });
    expect(items).toHaveLength(1);
    const adminId = (await server.admin.auth.me()).user!.id;
    expect(items[0]).toMatchObject({
      userId: adminId,
      actorLabel: ADMIN_EMAIL,
      action: 'user.create',
      resourceType: 'user',
      resourceId: user.id,
      ipAddress: '127.0.0.1',
      responseStatus: 201,
      requestBody: { email: 'audited@example.com', password: '[REDACTED]', role: 'viewer' },
    });
    expect(JSON.stringify(items)).not.toContain('secret password 123');
  });

  it('never stores passwords, tokens, codes or keys, whatever route they came through', async () => {
    const person = await server.admin.users.create({ email: 'secrets@example.com', password: 'first password 1234', role: 'operator' });
    const client = await server.signIn('secrets@example.com', 'first password 1234');
    await client.auth.changePassword({ currentPassword: 'first password 1234', newPassword: 'second password 1234' });
    await client.auth.refresh();
    const key = await client.apiKeys.create({ name: 'deploy', role: 'viewer' });
    await apiFailure(client.auth.enableMfa('123456'));

    const everything = JSON.stringify(await server.admin.audit.list({ limit: 200 }));
    for (const secret of ['first password 1234', 'second password 1234', key.secret, client.currentTokens!.refreshToken]) {
      expect(everything).not.toContain(secret);
    }
    const login = await server.admin.audit.list({ action: 'auth.login', actor: person.user.id, limit: 1 });
    expect(login.items[0]?.requestBody).toEqual({ email: 'secrets@example.com', password: '[REDACTED]' });
  });

  it("shows failed and successful sign-ins of the org's people, with the e-mail tried", async () => {
    await apiFailure(server.anonymous().auth.login({ email: ADMIN_EMAIL, password: 'not the password' }));
    await server.signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    const me = await server.admin.auth.me();
    const { items } = await server.admin.audit.list({ action: 'auth.login', actor: me.user!.id, limit: 2 });
    expect(items.map((item) => [item.responseStatus, item.actorLabel, item.orgId])).toEqual([
      [200, ADMIN_EMAIL, me.org?.id],
      [401, ADMIN_EMAIL, me.org?.id],
    ]);
  });

  it('filters by action prefix, resource type and time, and pages newest first without gaps', async () => {
    for (let index = 0; index < 5; index++) {
      await server.admin.users.create({ email: `page-${index}@example.com`, role: 'viewer' });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await server.admin.audit.list({ action: 'user.*', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.id));
      expect(page.items.every((item) => item.action.startsWith('user.'))).toBe(true);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort().reverse()).toEqual(seen);

    const future = new Date(server.clock.now().getTime() + 3_600_000).toISOString();
    expect((await server.admin.audit.list({ from: future })).items).toEqual([]);
    const byType = await server.admin.audit.list({ resourceType: 'api_key' });
    expect(byType.items.every((item) => item.resourceType === 'api_key')).toBe(true);
  });

  it('rejects a malformed filter with the field named', async () => {
    const error = await apiFailure(server.admin.audit.list({ from: 'yesterday' }));
    expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(error.details.map((detail) => detail.path)).toContain('querystring.from');
  });

  it("does not show another org's audit rows", async () => {
    const org = await server.admin.orgs.create({ name: 'Second', slug: 'second' });
    server.admin.useOrg(org.slug);
    try {
      await server.admin.users.create({ email: 'second-org@example.com', role: 'viewer' });
      const inSecond = await server.admin.audit.list({ action: 'user.create' });
      expect(inSecond.items.map((item) => item.orgId)).toEqual([org.id]);
    } finally {
      server.admin.useOrg(undefined);
    }
    const inDefault = await server.admin.audit.list({ action: 'user.create', limit: 200 });
    expect(inDefault.items.some((item) => item.orgId === org.id)).toBe(false);
  });
});
