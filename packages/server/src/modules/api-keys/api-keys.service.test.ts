import type { Role } from '@infrapilot/protocol';
import { beforeAll, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors.js';
import { hashToken } from '../../platform/crypto/tokens.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { insertMembership, insertOrg, insertUser, orgRow } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { ApiKeysRepo } from './api-keys.repo.js';
import { ApiKeysService } from './api-keys.service.js';

const HOUR = 3_600_000;

describeOnBothDialects('ApiKeysService', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let service: ApiKeysService;
  const clock = new FakeClock(new Date('2025-03-01T00:00:00.000Z'));

  beforeAll(() => {
    service = new ApiKeysService({ repo: new ApiKeysRepo(handle()), clock });
  });

  async function createOrg(): Promise<{ id: string; slug: string; name: string }> {
    const { id, slug, name } = orgRow();
    await insertOrg(handle(), { id, slug, name });
    return { id, slug, name };
  }

  /** A new person with a role in the org, as the actor services receive. */
  async function member(org: { id: string; slug: string; name: string }, role: Role): Promise<Actor> {
    const userId = await insertUser(handle());
    await insertMembership(handle(), org.id, userId, role);
    return { identity: { kind: 'user', userId, sessionId: newId(), email: `${userId}@example.com` }, org: { ...org, role } };
  }

  const rowOf = (id: string) => handle().root.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('creates a key that authenticates as itself, in its org, with its role', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const { apiKey, secret } = await service.createKey(admin, { name: 'ci', role: 'operator' });

    expect(await service.authenticate(secret)).toEqual({
      kind: 'api_key',
      apiKeyId: apiKey.id,
      name: 'ci',
      prefix: apiKey.prefix,
      orgId: org.id,
      role: 'operator',
      createdBy: admin.identity.kind === 'user' ? admin.identity.userId : null,
    });
  });

  it('hands out an ipk_ secret once and stores only its hash', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const { apiKey, secret } = await service.createKey(admin, { name: 'deploy', role: 'viewer' });

    expect(secret).toMatch(/^ipk_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey.prefix.length).toBeLessThan(secret.length / 2);
    const row = await rowOf(apiKey.id);
    expect(row.key_hash).not.toBe(secret);
    expect(row.key_hash).toBe(hashToken(secret));
    for (const value of Object.values(row)) {
      if (typeof value === 'string') expect(value).not.toContain(secret);
    }
  });

  it('does not authenticate an unknown, malformed or altered secret', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const { secret } = await service.createKey(admin, { name: 'x', role: 'viewer' });
    const altered = `${secret.slice(0, 10)}${secret[10] === 'A' ? 'B' : 'A'}${secret.slice(11)}`;

    expect(await service.authenticate(altered)).toBeNull();
    expect(await service.authenticate(`ipk_${'A'.repeat(43)}`)).toBeNull();
    expect(await service.authenticate(secret.slice(4))).toBeNull();
    expect(await service.authenticate(`${secret} `)).toBeNull();
    expect(await service.authenticate('')).toBeNull();
  });

  it('does not authenticate a revoked key', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const { apiKey, secret } = await service.createKey(admin, { name: 'x', role: 'viewer' });
    const revoked = await service.revokeKey(admin, apiKey.id);
    expect(revoked.revokedAt).toBe(clock.now().toISOString());
    expect(await service.authenticate(secret)).toBeNull();
  });

  it('authenticates a key until it expires, and not from then on', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const expiresAt = new Date(clock.now().getTime() + HOUR).toISOString();
    const { secret } = await service.createKey(admin, { name: 'x', role: 'viewer', expiresAt });

    clock.advance(HOUR - 1);
    expect(await service.authenticate(secret)).not.toBeNull();
    clock.advance(1);
    expect(await service.authenticate(secret)).toBeNull();
    clock.advance(HOUR);
    expect(await service.authenticate(secret)).toBeNull();
  });

  it('stores an expiry given with an offset as the same instant in UTC', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const local = new Date(clock.now().getTime() + 2 * HOUR);
    const withOffset = `${new Date(local.getTime() + 2 * HOUR).toISOString().slice(0, 19)}+02:00`;
    const { apiKey, secret } = await service.createKey(admin, { name: 'x', role: 'viewer', expiresAt: withOffset });
    expect(apiKey.expiresAt).toBe(local.toISOString());
    clock.advance(2 * HOUR - 1000);
    expect(await service.authenticate(secret)).not.toBeNull();
    clock.advance(1000);
    expect(await service.authenticate(secret)).toBeNull();
  });

  it('refuses an expiry in the past', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    await expect(service.createKey(admin, { name: 'x', role: 'viewer', expiresAt: clock.now().toISOString() })).rejects.toBeInstanceOf(ValidationError);
  });

  it('does not let an operator create a super_admin key, nor a viewer an operator key', async () => {
    const org = await createOrg();
    const operator = await member(org, 'operator');
    const viewer = await member(org, 'viewer');

    await expect(service.createKey(operator, { name: 'escalate', role: 'super_admin' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service.createKey(viewer, { name: 'escalate', role: 'operator' })).rejects.toBeInstanceOf(ForbiddenError);
    const keys = await handle().root.selectFrom('api_keys').select('id').where('org_id', '=', org.id).execute();
    expect(keys).toEqual([]);

    const allowed = await service.createKey(operator, { name: 'ok', role: 'operator' });
    expect(allowed.apiKey.role).toBe('operator');
  });

  it('shows an operator only their own keys and a super_admin every key of the org', async () => {
    const org = await createOrg();
    const other = await createOrg();
    const admin = await member(org, 'super_admin');
    const alice = await member(org, 'operator');
    const bob = await member(org, 'operator');
    const foreigner = await member(other, 'super_admin');
    const byAdmin = await service.createKey(admin, { name: 'admin key', role: 'super_admin' });
    const byAlice = await service.createKey(alice, { name: 'alice key', role: 'viewer' });
    const byBob = await service.createKey(bob, { name: 'bob key', role: 'operator' });
    await service.createKey(foreigner, { name: 'other org key', role: 'viewer' });

    const ids = async (actor: Actor) => (await service.listKeys(actor, { limit: 50 })).items.map((key) => key.id);
    expect(await ids(alice)).toEqual([byAlice.apiKey.id]);
    expect(await ids(bob)).toEqual([byBob.apiKey.id]);
    expect(await ids(admin)).toEqual([byAdmin.apiKey.id, byAlice.apiKey.id, byBob.apiKey.id]);
  });

  it('pages through keys with a cursor', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const created: string[] = [];
    for (let index = 0; index < 5; index += 1) created.push((await service.createKey(admin, { name: `k${index}`, role: 'viewer' })).apiKey.id);

    const first = await service.listKeys(admin, { limit: 2 });
    const second = await service.listKeys(admin, { limit: 2, cursor: first.nextCursor! });
    const third = await service.listKeys(admin, { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((key) => key.id)).toEqual(created);
    expect(third.nextCursor).toBeNull();
  });

  it('lets an operator key act for the person who created it when creating, listing and revoking keys', async () => {
    const org = await createOrg();
    const alice = await member(org, 'operator');
    const bob = await member(org, 'operator');
    const aliceId = alice.identity.kind === 'user' ? alice.identity.userId : '';
    const { secret } = await service.createKey(alice, { name: 'alice ci', role: 'operator' });
    const bobs = await service.createKey(bob, { name: 'bob key', role: 'viewer' });
    const asKey: Actor = { identity: (await service.authenticate(secret))!, org: alice.org };

    const made = await service.createKey(asKey, { name: 'made by ci', role: 'viewer' });
    expect(made.apiKey.createdBy).toBe(aliceId);
    const listed = (await service.listKeys(asKey, { limit: 50 })).items.map((key) => key.name);
    expect(listed.sort()).toEqual(['alice ci', 'made by ci']);
    await expect(service.revokeKey(asKey, bobs.apiKey.id)).rejects.toBeInstanceOf(NotFoundError);
    await service.revokeKey(asKey, made.apiKey.id);
    expect(await service.authenticate(made.secret)).toBeNull();
  });

  it("answers revoking another org's key with not found and leaves it working", async () => {
    const mine = await createOrg();
    const theirs = await createOrg();
    const admin = await member(mine, 'super_admin');
    const foreigner = await member(theirs, 'super_admin');
    const { apiKey, secret } = await service.createKey(foreigner, { name: 'theirs', role: 'viewer' });

    await expect(service.revokeKey(admin, apiKey.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await service.authenticate(secret)).not.toBeNull();
    expect((await rowOf(apiKey.id)).revoked_at).toBeNull();
  });

  it("answers an operator revoking a colleague's key with not found", async () => {
    const org = await createOrg();
    const alice = await member(org, 'operator');
    const bob = await member(org, 'operator');
    const { apiKey, secret } = await service.createKey(bob, { name: 'bob key', role: 'viewer' });

    await expect(service.revokeKey(alice, apiKey.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(await service.authenticate(secret)).not.toBeNull();
    await service.revokeKey(bob, apiKey.id);
    expect(await service.authenticate(secret)).toBeNull();
  });

  it('records when a key was last used, at most once a minute', async () => {
    const org = await createOrg();
    const admin = await member(org, 'super_admin');
    const { apiKey, secret } = await service.createKey(admin, { name: 'x', role: 'viewer' });
    const first = clock.now().toISOString();
    await service.authenticate(secret);
    expect((await rowOf(apiKey.id)).last_used_at).toBe(first);

    clock.advance(30_000);
    await service.authenticate(secret);
    expect((await rowOf(apiKey.id)).last_used_at).toBe(first);

    clock.advance(31_000);
    await service.authenticate(secret);
    expect((await rowOf(apiKey.id)).last_used_at).toBe(clock.now().toISOString());
  });
});
