import { randomBytes } from 'node:crypto';
import { type MyOrg, type Org, type OrgCreate, type OrgUpdate, type Role, roleAtLeast } from '@infrapilot/protocol';
import type { TransactionRunner } from '../../db/transactions.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { Actor, Identity, OrgContext } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { OrganizationsTable } from '../../db/schema.js';
import type { OrgsRepo } from './orgs.repo.js';
import { slugify } from './slug.js';

function toOrg(row: OrganizationsTable): Org {
  return { id: row.id, name: row.name, slug: row.slug, createdAt: row.created_at };
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Organizations and who belongs to them with which role. */
export class OrgsService {
  constructor(private readonly deps: { repo: OrgsRepo; transaction: TransactionRunner; clock: Clock }) {}

  /** Creates an org; `ownerUserId`, when given, becomes its first super_admin. */
  async createOrg(input: OrgCreate, ownerUserId: string | null): Promise<Org> {
    const { repo, transaction, clock } = this.deps;
    const explicitSlug = input.slug !== undefined;
    let slug = input.slug ?? slugify(input.name);
    return transaction(async () => {
      if (await repo.getBySlug(slug)) {
        if (explicitSlug) throw new ConflictError(`An organization with slug "${slug}" already exists`);
        slug = `${slug.slice(0, 50)}-${randomBytes(3).toString('hex')}`;
      }
      const now = isoTimestamp(clock.now());
      const row: OrganizationsTable = { id: newId(), name: input.name, slug, created_at: now };
      await repo.create(row);
      if (ownerUserId) {
        await repo.createMembership({ id: newId(), org_id: row.id, user_id: ownerUserId, role: 'super_admin', created_at: now });
      }
      return toOrg(row);
    });
  }

  /** Creates an org for a signed-in person; API keys belong to one org and cannot found another. */
  async createOrgAs(identity: Identity, input: OrgCreate): Promise<Org> {
    if (identity.kind !== 'user') throw new ForbiddenError('An API key cannot create organizations');
    return this.createOrg(input, identity.userId);
  }

  async listOrgsOf(identity: Identity): Promise<MyOrg[]> {
    if (identity.kind === 'api_key') {
      const org = await this.deps.repo.getById(identity.orgId);
      return org ? [{ id: org.id, name: org.name, slug: org.slug, role: identity.role }] : [];
    }
    const rows = await this.deps.repo.listForUser(identity.userId);
    return rows.map((row) => ({ id: row.id, name: row.name, slug: row.slug, role: row.role }));
  }

  /** The org a person lands in when they name none: their oldest membership. */
  /**
   * The installation's own org: "default", created at first start, or else the oldest.
   * Things that belong to no person (the local agent of `infrapilot up`) go there.
   */
  async installationOrgId(): Promise<string | null> {
    const org = (await this.deps.repo.getBySlug('default')) ?? (await this.deps.repo.oldest());
    return org?.id ?? null;
  }

  async defaultOrgIdOf(userId: string): Promise<string | null> {
    return (await this.deps.repo.listForUser(userId))[0]?.id ?? null;
  }

  /**
   * The org a request acts in: the one named by the X-InfraPilot-Org header (id or
   * slug), else the caller's first. An org the caller is not in is "not found", so
   * ids and slugs of other tenants do not leak.
   */
  async resolveContext(identity: Identity, requested: string | undefined): Promise<OrgContext | null> {
    const orgs = await this.listOrgsOf(identity);
    if (requested === undefined || requested === '') return orgs[0] ?? null;
    const wanted = requested.trim();
    const match = UUID_PATTERN.test(wanted)
      ? orgs.find((org) => org.id === wanted.toLowerCase())
      : orgs.find((org) => org.slug === wanted.toLowerCase());
    if (!match) throw new NotFoundError('Organization', `Organization "${wanted}" not found`);
    return match;
  }

  async getOrg(actor: Actor): Promise<Org> {
    const row = await this.deps.repo.getById(actor.org.id);
    if (!row) throw new NotFoundError('Organization');
    return toOrg(row);
  }

  async updateOrg(actor: Actor, input: OrgUpdate): Promise<Org> {
    await this.deps.repo.update(actor.org.id, { name: input.name });
    return this.getOrg(actor);
  }

  /** Whether the user belongs to any org in which `actorUserId` is not a super_admin. */
  async isOutsideAuthorityOf(actorUserId: string, userId: string): Promise<boolean> {
    const targetMemberships = await this.deps.repo.listMembershipsOfUser(userId);
    for (const membership of targetMemberships) {
      const actorMembership = await this.deps.repo.getMembership(membership.org_id, actorUserId);
      if (actorMembership?.role !== 'super_admin') return true;
    }
    return false;
  }

  /** Adds a user to the actor's org. The actor cannot grant a role above its own. */
  async addMember(actor: Actor, userId: string, role: Role): Promise<void> {
    this.assertCanGrant(actor, role);
    const { repo, transaction, clock } = this.deps;
    await transaction(async () => {
      if (await repo.getMembership(actor.org.id, userId)) {
        throw new ConflictError('That user is already a member of this organization');
      }
      await repo.createMembership({ id: newId(), org_id: actor.org.id, user_id: userId, role, created_at: isoTimestamp(clock.now()) });
    });
  }

  async changeRole(actor: Actor, userId: string, role: Role): Promise<void> {
    this.assertCanGrant(actor, role);
    const { repo, transaction } = this.deps;
    await transaction(async () => {
      await repo.lockForMembershipChange(actor.org.id);
      const membership = await repo.getMembership(actor.org.id, userId);
      if (!membership) throw new NotFoundError('Member');
      if (membership.role === 'super_admin' && role !== 'super_admin') await this.assertNotLastSuperAdmin(actor.org.id);
      await repo.updateRole(actor.org.id, userId, role);
    });
  }

  async removeMember(actor: Actor, userId: string): Promise<void> {
    const { repo, transaction } = this.deps;
    await transaction(async () => {
      await repo.lockForMembershipChange(actor.org.id);
      const membership = await repo.getMembership(actor.org.id, userId);
      if (!membership) throw new NotFoundError('Member');
      if (membership.role === 'super_admin') await this.assertNotLastSuperAdmin(actor.org.id);
      await repo.deleteMembership(actor.org.id, userId);
    });
  }

  private async assertNotLastSuperAdmin(orgId: string): Promise<void> {
    if ((await this.deps.repo.countRole(orgId, 'super_admin')) <= 1) {
      throw new ConflictError('An organization must keep at least one super_admin', 'last_super_admin');
    }
  }

  private assertCanGrant(actor: Actor, role: Role): void {
    if (!roleAtLeast(actor.org.role, role)) throw new ForbiddenError(`Your role (${actor.org.role}) cannot grant ${role}`);
  }
}
