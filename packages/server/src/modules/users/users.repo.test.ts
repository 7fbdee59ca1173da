import type { Role } from '@infrapilot/protocol';
import { beforeAll, expect, it } from 'vitest';
import type { UsersTable } from '../../db/schema.js';
import { ConflictError } from '../../errors.js';
import { newId } from '../../platform/ids.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { insertMembership, insertOrg, userRow } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { AuthRepo } from '../auth/auth.repo.js';
import { SessionsService } from '../auth/sessions.service.js';
import { OrgsRepo } from '../orgs/orgs.repo.js';
import { OrgsService } from '../orgs/orgs.service.js';
import { UsersRepo } from './users.repo.js';
import { UsersService } from './users.service.js';

describeOnBothDialects('UsersRepo', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: UsersRepo;
  let orgs: OrgsRepo;

  beforeAll(() => {
    repo = new UsersRepo(handle());
    orgs = new OrgsRepo(handle());
  });

  /** Written through the repository under test. */
  async function createUser(name = 'Someone'): Promise<UsersTable> {
    const row = userRow({ name });
    await repo.create(row);
    return row;
  }

  const createOrg = () => insertOrg(handle());
  const join = (orgId: string, userId: string, role: Role) => insertMembership(handle(), orgId, userId, role);

  it('lists only the members of the org, each with their role there', async () => {
    const org = await createOrg();
    const other = await createOrg();
    const admin = await createUser('Admin');
    const viewer = await createUser('Viewer');
    const outsider = await createUser('Outsider');
    await join(org, admin.id, 'super_admin');
    await join(org, viewer.id, 'viewer');
    await join(other, outsider.id, 'super_admin');
    await join(other, viewer.id, 'operator');

    const members = await repo.listInOrg(org, { limit: 50 });
    expect(members.map((member) => ({ id: member.id, name: member.name, role: member.role }))).toEqual([
      { id: admin.id, name: 'Admin', role: 'super_admin' },
      { id: viewer.id, name: 'Viewer', role: 'viewer' },
    ]);
    expect((await repo.listInOrg(other, { limit: 50 })).map((member) => [member.id, member.role])).toEqual([
      [viewer.id, 'operator'],
      [outsider.id, 'super_admin'],
    ]);
  });

  it('pages through members by id with afterId, without repeats or gaps', async () => {
    const org = await createOrg();
    const created: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const user = await createUser(`Member ${index}`);
      await join(org, user.id, 'viewer');
      created.push(user.id);
    }
    // A user of another org, created in between, must not appear or shift the pages.
    const stranger = await createUser();
    await join(await createOrg(), stranger.id, 'viewer');

    const seen: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await repo.listInOrg(org, { limit: 3, ...(afterId ? { afterId } : {}) });
      seen.push(...page.map((member) => member.id));
      if (page.length < 3) break;
      afterId = page.at(-1)!.id;
    }
    expect(seen).toEqual([...created].sort());
    expect(seen).toEqual(created);
  });

  it('finds a member of the org with their role, and nobody from another org', async () => {
    const org = await createOrg();
    const other = await createOrg();
    const member = await createUser();
    const outsider = await createUser();
    await join(org, member.id, 'operator');
    await join(other, outsider.id, 'super_admin');

    expect(await repo.getInOrg(org, member.id)).toMatchObject({ id: member.id, email: member.email, role: 'operator' });
    expect(await repo.getInOrg(org, outsider.id)).toBeUndefined();
    expect(await repo.getInOrg(org, newId())).toBeUndefined();
  });

  it('finds an account by e-mail in any case, as the service stores it lower-cased', async () => {
    const service = new UsersService({
      repo,
      orgs: new OrgsService({ repo: orgs, transaction: handle().transaction, clock: new FakeClock() }),
      sessions: new SessionsService({ repo: new AuthRepo(handle()), clock: new FakeClock() }),
      transaction: handle().transaction,
      clock: new FakeClock(),
    });
    const created = await service.createAccount({ email: `Ada.Lovelace.${dialect}@Example.COM`, password: 'a long enough password' });
    expect(created.email).toBe(`ada.lovelace.${dialect}@example.com`);

    expect((await repo.getByEmail(`ADA.LOVELACE.${dialect.toUpperCase()}@EXAMPLE.COM`))?.id).toBe(created.id);
    expect((await repo.getByEmail(`ada.lovelace.${dialect}@example.com`))?.id).toBe(created.id);
    expect((await service.getAccountByEmail(`Ada.Lovelace.${dialect}@example.com`))?.id).toBe(created.id);
    expect(await repo.getByEmail(`ada.lovelace.${dialect}@example.org`)).toBeUndefined();

    await expect(service.createAccount({ email: `ADA.lovelace.${dialect}@example.com`, password: 'another long password' })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('counts accounts', async () => {
    const before = await repo.count();
    await createUser();
    await createUser();
    expect(await repo.count()).toBe(before + 2);
  });
});
