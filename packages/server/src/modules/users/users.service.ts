import type { MemberAdd, Page, PasswordReset, PasswordResetReply, Role, User, UserCreate, UserCreated } from '@infrapilot/protocol';
import type { UsersTable } from '../../db/schema.js';
import type { TransactionRunner } from '../../db/transactions.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import { generatePassword, hashPassword } from '../../platform/crypto/passwords.js';
import type { Actor } from '../../platform/http/request-context.js';
import { personBehind } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { SessionsService } from '../auth/sessions.service.js';
import type { OrgsService } from '../orgs/orgs.service.js';
import type { UserInOrg, UsersRepo } from './users.repo.js';
import { pageOf } from '../../platform/pagination.js';

function toUser(row: UserInOrg): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled_at !== null,
    mfaEnabled: row.mfa_enabled === 1,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

/** Accounts of people, and their membership in the actor's org. */
export class UsersService {
  constructor(
    private readonly deps: {
      repo: UsersRepo;
      orgs: OrgsService;
      sessions: Pick<SessionsService, 'endAllSessionsOf'>;
      transaction: TransactionRunner;
      clock: Clock;
    },
  ) {}

  /** Creates a user account, for bootstrapping or through createUser. */
  async createAccount(input: { email: string; name?: string | undefined; password: string }): Promise<UsersTable> {
    const { repo, clock } = this.deps;
    if (await repo.getByEmail(input.email)) throw new ConflictError(`A user with e-mail ${input.email} already exists; add them with POST /members`);
    const now = isoTimestamp(clock.now());
    const row: UsersTable = {
      id: newId(),
      email: input.email.toLowerCase(),
      name: input.name ?? input.email.split('@')[0] ?? input.email,
      password_hash: await hashPassword(input.password),
      mfa_secret: null,
      mfa_pending_secret: null,
      mfa_enabled: 0,
      mfa_last_step: null,
      disabled_at: null,
      created_at: now,
      last_login_at: null,
      password_changed_at: now,
    };
    await repo.create(row);
    return row;
  }

  /** Creates a person and makes them a member of the actor's org in one transaction. */
  async createUser(actor: Actor, input: UserCreate): Promise<UserCreated> {
    const generated = input.password === undefined ? generatePassword() : null;
    const password = input.password ?? generated!;
    const user = await this.deps.transaction(async () => {
      const row = await this.createAccount({ email: input.email, name: input.name, password });
      await this.deps.orgs.addMember(actor, row.id, input.role);
      return row;
    });
    return { user: toUser({ ...user, role: input.role }), initialPassword: generated };
  }

  async listUsers(actor: Actor, page: { limit: number; cursor?: string | undefined }): Promise<Page<User>> {
    const rows = await this.deps.repo.listInOrg(actor.org.id, { limit: page.limit + 1, ...(page.cursor ? { afterId: page.cursor } : {}) });
    return pageOf(rows, page.limit, toUser);
  }

  async getUser(actor: Actor, userId: string): Promise<User> {
    const row = await this.deps.repo.getInOrg(actor.org.id, userId);
    if (!row) throw new NotFoundError('User');
    return toUser(row);
  }

  /** Adds an existing account to the actor's org. */
  async addMemberByEmail(actor: Actor, input: MemberAdd): Promise<User> {
    const account = await this.deps.repo.getByEmail(input.email);
    if (!account) throw new NotFoundError('User', `No user with e-mail ${input.email}; create one with POST /users`);
    await this.deps.orgs.addMember(actor, account.id, input.role);
    return this.getUser(actor, account.id);
  }

  async changeRole(actor: Actor, userId: string, role: Role): Promise<User> {
    await this.deps.orgs.changeRole(actor, userId, role);
    return this.getUser(actor, userId);
  }

  async removeMember(actor: Actor, userId: string): Promise<void> {
    await this.deps.orgs.removeMember(actor, userId);
  }

  /**
   * Checks that the actor may act on another person's account: the person is in the
   * actor's org, is not the actor (who has the self-service routes, which ask for proof),
   * and belongs to no org outside the actor's authority, because an account spans orgs.
   */
  async assertAdministers(actor: Actor, userId: string, action: string): Promise<UserInOrg> {
    const target = await this.deps.repo.getInOrg(actor.org.id, userId);
    if (!target) throw new NotFoundError('User');
    const actorPerson = personBehind(actor.identity);
    if (actorPerson === userId) throw new ConflictError(`You cannot ${action} your own account here`);
    if (actorPerson === null || (await this.deps.orgs.isOutsideAuthorityOf(actorPerson, userId))) {
      throw new ForbiddenError('This user also belongs to an organization you do not administer');
    }
    return target;
  }

  /** Disabling locks an account out of every org and ends its sessions at once. */
  async setDisabled(actor: Actor, userId: string, disabled: boolean): Promise<User> {
    await this.assertAdministers(actor, userId, disabled ? 'disable' : 'enable');
    await this.deps.transaction(async () => {
      await this.deps.repo.update(userId, { disabled_at: disabled ? isoTimestamp(this.deps.clock.now()) : null });
      if (disabled) await this.deps.sessions.endAllSessionsOf(userId, 'user_disabled');
    });
    return this.getUser(actor, userId);
  }

  /** Sets someone's password (they forgot it) and ends their sessions. */
  async resetPassword(actor: Actor, userId: string, input: PasswordReset): Promise<PasswordResetReply> {
    await this.assertAdministers(actor, userId, 'reset the password of');
    const generated = input.password === undefined ? generatePassword() : null;
    const passwordHash = await hashPassword(input.password ?? generated!);
    const revokedSessions = await this.deps.transaction(async () => {
      await this.deps.repo.update(userId, { password_hash: passwordHash, password_changed_at: isoTimestamp(this.deps.clock.now()) });
      return this.deps.sessions.endAllSessionsOf(userId, 'password_reset');
    });
    return { ok: true, initialPassword: generated, revokedSessions };
  }

  getAccount(userId: string): Promise<UsersTable | undefined> {
    return this.deps.repo.getById(userId);
  }

  getAccountByEmail(email: string): Promise<UsersTable | undefined> {
    return this.deps.repo.getByEmail(email);
  }

  updateAccount(userId: string, changes: Partial<Omit<UsersTable, 'id'>>): Promise<void> {
    return this.deps.repo.update(userId, changes);
  }

  countAccounts(): Promise<number> {
    return this.deps.repo.count();
  }
}
