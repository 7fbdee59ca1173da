import type { AuditQuery } from '@infrapilot/protocol';
import { beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { AuditRepo } from './audit.repo.js';
import { type AuditRecord, AuditService } from './audit.service.js';

const MINUTE = 60_000;
const START = new Date('2025-01-01T00:00:00.000Z');

describeOnBothDialects('audit log queries', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: AuditRepo;
  let service: AuditService;
  const clock = new FakeClock(START);

  const orgA = newId();
  const orgB = newId();
  const orgPaged = newId();
  const alice = newId();
  const bob = newId();
  const ciKey = newId();

  function actorIn(orgId: string): Actor {
    return { identity: { kind: 'user', userId: alice, sessionId: newId(), email: 'alice@example.com' }, org: { id: orgId, slug: 'org', name: 'Org', role: 'viewer' } };
  }

  async function record(entry: Partial<AuditRecord> & Pick<AuditRecord, 'orgId' | 'action'>): Promise<void> {
    await service.record({
      userId: null,
      apiKeyId: null,
      actorLabel: null,
      resourceType: null,
      resourceId: null,
      ipAddress: '192.0.2.7',
      userAgent: 'test',
      requestBody: null,
      responseStatus: 200,
      ...entry,
    });
    clock.advance(MINUTE);
  }

  /** The actions a query finds in org A, newest first. */
  async function actions(query: Partial<AuditQuery>, orgId = orgA): Promise<string[]> {
    const page = await service.list(actorIn(orgId), { limit: 200, ...query });
    return page.items.map((entry) => entry.action);
  }

  beforeAll(async () => {
    repo = new AuditRepo(handle());
    service = new AuditService({ repo, clock });

    // Org A, one minute apart from 00:00 to 00:07.
    await record({ orgId: orgA, userId: alice, action: 'user.create', resourceType: 'user', resourceId: 'r-1' });
    await record({ orgId: orgA, userId: alice, action: 'user.update', resourceType: 'user', resourceId: 'r-2' });
    await record({ orgId: orgA, apiKeyId: ciKey, action: 'user_x.create', resourceType: 'user_x', resourceId: 'r-3' });
    await record({ orgId: orgA, userId: bob, action: 'org.update', resourceType: 'org', resourceId: orgA });
    await record({ orgId: orgA, apiKeyId: ciKey, action: 'apikey.create', resourceType: 'apikey', resourceId: 'r-4' });
    await record({ orgId: orgA, userId: bob, action: 'userax.create', resourceType: 'user', resourceId: 'r-5' });
    await record({ orgId: orgA, userId: alice, action: 'user', resourceType: 'user', resourceId: 'r-6' });
    await record({ orgId: orgA, userId: alice, action: 'user.delete', resourceType: 'user', resourceId: 'r-1' });
    // The same actors and resources elsewhere, and outside any org.
    await record({ orgId: orgB, userId: alice, action: 'user.create', resourceType: 'user', resourceId: 'r-1' });
    await record({ orgId: orgB, apiKeyId: ciKey, action: 'user_x.create', resourceType: 'user_x', resourceId: 'r-3' });
    await record({ orgId: null, userId: alice, action: 'user.login', resourceType: 'user', resourceId: 'r-1' });
    for (let index = 0; index < 21; index += 1) {
      await record({ orgId: orgPaged, userId: index % 2 === 0 ? alice : bob, action: index % 3 === 0 ? 'agent.update' : 'proxy.update' });
    }
  });

  it('lists the whole log of the org newest first, and nothing of another org or of no org', async () => {
    expect(await actions({})).toEqual([
      'user.delete',
      'user',
      'userax.create',
      'apikey.create',
      'org.update',
      'user_x.create',
      'user.update',
      'user.create',
    ]);
    expect(await actions({}, orgB)).toEqual(['user_x.create', 'user.create']);
  });

  it('filters by a user as the actor', async () => {
    expect(await actions({ actor: alice })).toEqual(['user.delete', 'user', 'user.update', 'user.create']);
    expect(await actions({ actor: bob })).toEqual(['userax.create', 'org.update']);
  });

  it('filters by an API key as the actor', async () => {
    expect(await actions({ actor: ciKey })).toEqual(['apikey.create', 'user_x.create']);
    expect(await actions({ actor: newId() })).toEqual([]);
  });

  it('filters by an exact action', async () => {
    expect(await actions({ action: 'user.create' })).toEqual(['user.create']);
    expect(await actions({ action: 'user' })).toEqual(['user']);
    expect(await actions({ action: 'user.' })).toEqual([]);
  });

  it('filters by an action prefix ending in *', async () => {
    expect(await actions({ action: 'user.*' })).toEqual(['user.delete', 'user.update', 'user.create']);
    expect(await actions({ action: 'org.*' })).toEqual(['org.update']);
    expect(await actions({ action: 'u*' })).toEqual(['user.delete', 'user', 'userax.create', 'user_x.create', 'user.update', 'user.create']);
    expect(await actions({ action: '*' })).toHaveLength(8);
  });

  it("treats '_' in an action prefix as itself, not as a wildcard", async () => {
    expect(await actions({ action: 'user.*' })).not.toContain('user_x.create');
    expect(await actions({ action: 'user_x.*' })).toEqual(['user_x.create']);
    expect(await actions({ action: 'user_*' })).toEqual(['user_x.create']);
  });

  it('filters by resource type and by resource id', async () => {
    expect(await actions({ resourceType: 'user' })).toEqual(['user.delete', 'user', 'userax.create', 'user.update', 'user.create']);
    expect(await actions({ resourceType: 'user_x' })).toEqual(['user_x.create']);
    expect(await actions({ resourceId: 'r-1' })).toEqual(['user.delete', 'user.create']);
    expect(await actions({ resourceId: orgA })).toEqual(['org.update']);
    expect(await actions({ resourceType: 'user', resourceId: 'r-1', actor: alice, action: 'user.*' })).toEqual(['user.delete', 'user.create']);
  });

  it('filters by a time range, both ends included, whatever the offset of the bounds', async () => {
    const at = (minutes: number) => new Date(START.getTime() + minutes * MINUTE).toISOString();
    expect(await actions({ from: at(1), to: at(3) })).toEqual(['org.update', 'user_x.create', 'user.update']);
    expect(await actions({ from: '2025-01-01T01:06:00+01:00' })).toEqual(['user.delete', 'user']);
    expect(await actions({ to: '2024-12-31T19:00:30-05:00' })).toEqual(['user.create']);
    expect(await actions({ from: at(100) })).toEqual([]);
  });

  it('never shows rows of another org, whatever the filters', async () => {
    const page = await service.list(actorIn(orgA), { limit: 200, actor: ciKey, action: 'user_x.*', resourceId: 'r-3' });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.orgId).toBe(orgA);
    const filters: Partial<AuditQuery>[] = [{ actor: alice }, { resourceId: 'r-1' }, { action: 'user.*' }, { resourceType: 'user' }];
    for (const filter of filters) {
      const items = (await service.list(actorIn(orgA), { limit: 200, ...filter })).items;
      expect(items.every((entry) => entry.orgId === orgA)).toBe(true);
    }
    expect(await actions({}, newId())).toEqual([]);
  });

  it('pages newest first without duplicates or gaps', async () => {
    const all = (await service.list(actorIn(orgPaged), { limit: 200 })).items.map((entry) => entry.id);
    expect(all).toHaveLength(21);
    expect(all).toEqual([...all].sort().reverse());

    for (const limit of [1, 4, 7, 20, 21]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await service.list(actorIn(orgPaged), { limit, ...(cursor ? { cursor } : {}) });
        pages += 1;
        expect(page.items.length).toBeGreaterThan(0);
        seen.push(...page.items.map((entry) => entry.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(21 / limit));
    }
  });

  it('pages through a filtered log', async () => {
    const expected = (await service.list(actorIn(orgPaged), { limit: 200, actor: alice, action: 'proxy.*' })).items.map((entry) => entry.id);
    expect(expected.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(actorIn(orgPaged), { limit: 3, actor: alice, action: 'proxy.*', ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((entry) => entry.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it('keeps what the service recorded, with the body redacted', async () => {
    const org = newId();
    await service.record({
      orgId: org,
      userId: alice,
      apiKeyId: null,
      actorLabel: 'alice@example.com',
      action: 'user.create',
      resourceType: 'user',
      resourceId: 'r-9',
      ipAddress: '192.0.2.9',
      userAgent: 'curl',
      requestBody: { email: 'new@example.com', password: 'hunter2hunter2' },
      responseStatus: 201,
    });
    const [entry] = (await service.list(actorIn(org), { limit: 10 })).items;
    expect(entry).toMatchObject({
      orgId: org,
      userId: alice,
      actorLabel: 'alice@example.com',
      action: 'user.create',
      resourceId: 'r-9',
      responseStatus: 201,
      requestBody: { email: 'new@example.com', password: expect.not.stringContaining('hunter2') },
    });
  });
});
