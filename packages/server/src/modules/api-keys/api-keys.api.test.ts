import { InfraPilotClient } from '@infrapilot/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

describeOnBothDialects('API keys over HTTP', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const keyClient = (secret: string, org?: string) => new InfraPilotClient({ baseUrl: server.baseUrl, apiKey: secret, org });

  it('acts in its org with its role on the same routes a token works on', async () => {
    const operatorKey = await server.admin.apiKeys.create({ name: 'ci', role: 'operator' });
    expect(operatorKey.secret).toMatch(/^ipk_[A-Za-z0-9_-]{43}$/);
    expect(operatorKey.apiKey.prefix).toBe(operatorKey.secret.slice(0, 12));
    const client = keyClient(operatorKey.secret);
    const me = await client.auth.me();
    expect(me).toMatchObject({ kind: 'api_key', user: null, org: { slug: 'default', role: 'operator' } });
    await expect(client.users.list()).resolves.toMatchObject({ items: expect.any(Array) });
    // Its role is operator: managing people is a super_admin's.
    expect((await apiFailure(client.users.create({ email: 'by-key@example.com', role: 'viewer' }))).status).toBe(403);
    const created = await client.apiKeys.create({ name: 'child', role: 'viewer' });
    const { items } = await server.admin.audit.list({ action: 'api_key.create', resourceId: created.apiKey.id });
    expect(items[0]).toMatchObject({ apiKeyId: operatorKey.apiKey.id, userId: null, actorLabel: 'api key ci' });
  });

  it('cannot reach another org, even one its creator belongs to', async () => {
    const key = await server.admin.apiKeys.create({ name: 'scoped', role: 'super_admin' });
    const other = await server.admin.orgs.create({ name: 'Other org' });
    expect((await apiFailure(keyClient(key.secret, other.slug).users.list())).status).toBe(404);
    expect((await apiFailure(keyClient(key.secret).orgs.create({ name: 'by key' }))).status).toBe(403);
  });

  it('stops working at once when revoked, and a made-up key never works', async () => {
    const key = await server.admin.apiKeys.create({ name: 'short-lived', role: 'viewer' });
    await keyClient(key.secret).auth.me();
    const revoked = await server.admin.apiKeys.revoke(key.apiKey.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect((await apiFailure(keyClient(key.secret).auth.me())).status).toBe(401);
    expect((await apiFailure(keyClient(`ipk_${'A'.repeat(43)}`).auth.me())).status).toBe(401);
  });

  it('refuses a key above the creator role, or one already expired', async () => {
    await server.admin.users.create({ email: 'keyop@example.com', password: 'a password long enough', role: 'operator' });
    const operator = await server.signIn('keyop@example.com', 'a password long enough');
    expect((await apiFailure(operator.apiKeys.create({ name: 'too strong', role: 'super_admin' }))).status).toBe(403);
    const past = new Date(server.clock.now().getTime() - 1000).toISOString();
    const expired = await apiFailure(server.admin.apiKeys.create({ name: 'old', role: 'viewer', expiresAt: past }));
    expect(expired).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});
