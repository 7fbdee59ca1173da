import { beforeAll, expect, it } from 'vitest';
import { ForbiddenError } from '../../errors.js';
import type { Actor } from '../../platform/http/request-context.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { AuthRepo } from '../auth/auth.repo.js';
import { SessionsService } from '../auth/sessions.service.js';
import { OrgsRepo } from '../orgs/orgs.repo.js';
import { OrgsService } from '../orgs/orgs.service.js';
import { UsersRepo } from './users.repo.js';
import { UsersService } from './users.service.js';

describeOnBothDialects('UsersService', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let users: UsersService;
  let orgs: OrgsService;
  let owner: Actor;

  beforeAll(async () => {
    const clock = new FakeClock();
    orgs = new OrgsService({ repo: new OrgsRepo(handle()), transaction: handle().transaction, clock });
    users = new UsersService({ repo: new UsersRepo(handle()), orgs, sessions: new SessionsService({ repo: new AuthRepo(handle()), clock }), transaction: handle().transaction, clock });
    const account = await users.createAccount({ email: 'owner@example.com', password: 'a password long enough' });
    const org = await orgs.createOrg({ name: 'Home' }, account.id);
    owner = { identity: { kind: 'user', userId: account.id, sessionId: 'none', email: account.email }, org: { ...org, role: 'super_admin' } };
  });

  it('leaves no account behind when adding the membership fails half-way', async () => {
    const operator: Actor = { ...owner, org: { ...owner.org, role: 'operator' } };
    // The account row is written first; granting super_admin above the operator's own role then fails.
    await expect(users.createUser(operator, { email: 'half@example.com', role: 'super_admin' })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await users.getAccountByEmail('half@example.com')).toBeUndefined();
  });

  it('generates a password when none is given and shows it once', async () => {
    const created = await users.createUser(owner, { email: 'Mixed.Case@Example.com', role: 'viewer' });
    expect(created.initialPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(created.user.email).toBe('mixed.case@example.com');
    const again = await users.createUser(owner, { email: 'set@example.com', role: 'viewer', password: 'chosen password 123' });
    expect(again.initialPassword).toBeNull();
  });

  it('refuses to disable someone who also belongs to an org the actor does not administer', async () => {
    const { user } = await users.createUser(owner, { email: 'shared@example.com', role: 'viewer' });
    const otherOwner = await users.createAccount({ email: 'other-owner@example.com', password: 'a password long enough' });
    const other = await orgs.createOrg({ name: 'Other' }, otherOwner.id);
    const otherActor: Actor = { identity: { kind: 'user', userId: otherOwner.id, sessionId: 'none', email: otherOwner.email }, org: { ...other, role: 'super_admin' } };
    await orgs.addMember(otherActor, user.id, 'viewer');
    await expect(users.setDisabled(owner, user.id, true)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await users.getAccount(user.id))?.disabled_at).toBeNull();
  });
});
