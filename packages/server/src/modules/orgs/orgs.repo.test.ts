import type { Role } from '@infrapilot/protocol';
import { beforeAll, expect, it } from 'vitest';
import { newId } from '../../platform/ids.js';
import { insertUser } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { OrgsRepo } from './orgs.repo.js';

describeOnBothDialects('OrgsRepo', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: OrgsRepo;

  beforeAll(() => {
    repo = new OrgsRepo(handle());
  });

  const createUser = () => insertUser(handle());

  async function createOrg(name: string): Promise<string> {
    const id = newId();
    await repo.create({ id, name, slug: `${name.toLowerCase()}-${id.slice(-8)}`, created_at: '2025-01-01T00:00:00.000Z' });
    return id;
  }

  async function join(orgId: string, userId: string, role: Role, createdAt = '2025-01-01T00:00:00.000Z'): Promise<void> {
    await repo.createMembership({ id: newId(), org_id: orgId, user_id: userId, role, created_at: createdAt });
  }

  it('lists the orgs of a user oldest membership first, with the role in each', async () => {
    const user = await createUser();
    const alpha = await createOrg('Alpha');
    const beta = await createOrg('Beta');
    const gamma = await createOrg('Gamma');
    // Inserted newest first, so neither insertion order nor id order matches membership age.
    await join(beta, user, 'viewer', '2025-03-01T00:00:00.000Z');
    await join(alpha, user, 'operator', '2025-02-01T00:00:00.000Z');
    await join(gamma, user, 'super_admin', '2025-01-01T00:00:00.000Z');

    const orgs = await repo.listForUser(user);
    expect(orgs.map((org) => ({ id: org.id, name: org.name, role: org.role }))).toEqual([
      { id: gamma, name: 'Gamma', role: 'super_admin' },
      { id: alpha, name: 'Alpha', role: 'operator' },
      { id: beta, name: 'Beta', role: 'viewer' },
    ]);
    expect(orgs[0]).toMatchObject({ slug: expect.stringMatching(/^gamma-/), created_at: '2025-01-01T00:00:00.000Z' });
  });

  it("does not list an org the user is not a member of, even one with other members", async () => {
    const user = await createUser();
    const other = await createUser();
    const mine = await createOrg('Mine');
    const theirs = await createOrg('Theirs');
    await join(mine, user, 'viewer');
    await join(theirs, other, 'super_admin');

    expect((await repo.listForUser(user)).map((org) => org.id)).toEqual([mine]);
    expect(await repo.listForUser(await createUser())).toEqual([]);
  });

  it('counts the members holding a role in one org only', async () => {
    const org = await createOrg('Counted');
    const elsewhere = await createOrg('Elsewhere');
    const [a, b, c] = [await createUser(), await createUser(), await createUser()];
    await join(org, a, 'super_admin');
    await join(org, b, 'super_admin');
    await join(org, c, 'operator');
    await join(elsewhere, a, 'super_admin');
    await join(elsewhere, c, 'viewer');

    expect(await repo.countRole(org, 'super_admin')).toBe(2);
    expect(await repo.countRole(org, 'operator')).toBe(1);
    expect(await repo.countRole(org, 'viewer')).toBe(0);
    expect(await repo.countRole(elsewhere, 'super_admin')).toBe(1);
  });

  it('changes a role and deletes a membership in that org only', async () => {
    const org = await createOrg('Edited');
    const elsewhere = await createOrg('Untouched');
    const user = await createUser();
    await join(org, user, 'viewer');
    await join(elsewhere, user, 'viewer');

    await repo.updateRole(org, user, 'operator');
    expect((await repo.getMembership(org, user))?.role).toBe('operator');
    expect((await repo.getMembership(elsewhere, user))?.role).toBe('viewer');

    await repo.deleteMembership(org, user);
    expect(await repo.getMembership(org, user)).toBeUndefined();
    expect(await repo.getMembership(elsewhere, user)).toBeDefined();
  });

  it('finds an org by id and by slug, and returns undefined for an unknown one', async () => {
    const id = newId();
    await repo.create({ id, name: 'Findable', slug: 'findable', created_at: '2025-01-01T00:00:00.000Z' });
    expect((await repo.getById(id))?.slug).toBe('findable');
    expect((await repo.getBySlug('findable'))?.id).toBe(id);
    expect(await repo.getById(newId())).toBeUndefined();
    expect(await repo.getBySlug('no-such-org')).toBeUndefined();
  });
});
