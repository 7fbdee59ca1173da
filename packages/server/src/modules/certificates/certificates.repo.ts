import type { Updateable } from 'kysely';
import type { AcmeAccountsTable, CertificatesTable } from '../../db/schema.js';
import type { DatabaseHandle } from '../../db/transactions.js';

/** A proxy host that serves a certificate, with the name of its host. */
export interface CertificateUser {
  certificate_id: string;
  id: string;
  domain: string;
  agent_id: string;
  agent_name: string;
}

/** Where a page of certificates starts: after this (name, id) in name order. */
export interface CertificatePosition {
  name: string;
  id: string;
}

/** A certificate row with the name of the host that answers its ACME challenges (null when none, or removed). */
export type CertificateWithAgent = CertificatesTable & { agent_name: string | null };

/**
 * The only code that touches certificates and acme_accounts. It reads proxy_hosts and
 * agents only to say which proxy hosts use a certificate (shown, and a reason to refuse
 * deleting it) and which host answers a certificate's challenges.
 */
export class CertificatesRepo {
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.current;
  }

  // ------------------------------------------------------------ certificates

  async create(row: CertificatesTable): Promise<void> {
    await this.db.insertInto('certificates').values(row).execute();
  }

  /** The org's certificate; undefined for another org's, so ids do not leak. */
  getInOrg(orgId: string, id: string): Promise<CertificatesTable | undefined> {
    return this.db.selectFrom('certificates').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  }

  /** Any org's certificate with its challenge host's name: for background work, which has no caller. */
  getWithAgent(id: string): Promise<CertificateWithAgent | undefined> {
    return this.db
      .selectFrom('certificates')
      .leftJoin('agents', (join) => join.onRef('agents.id', '=', 'certificates.agent_id').on('agents.revoked_at', 'is', null))
      .selectAll('certificates')
      .select('agents.name as agent_name')
      .where('certificates.id', '=', id)
      .executeTakeFirst();
  }

  listInOrg(orgId: string, page: { limit: number; after?: CertificatePosition | undefined }): Promise<CertificatesTable[]> {
    let query = this.db.selectFrom('certificates').selectAll().where('org_id', '=', orgId);
    const after = page.after;
    if (after) {
      query = query.where((eb) => eb.or([eb('name', '>', after.name), eb.and([eb('name', '=', after.name), eb('id', '>', after.id)])]));
    }
    return query.orderBy('name').orderBy('id').limit(page.limit).execute();
  }

  listByIds(orgId: string, ids: string[]): Promise<CertificatesTable[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('certificates').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
  }

  async update(id: string, changes: Updateable<CertificatesTable>): Promise<void> {
    await this.db.updateTable('certificates').set(changes).where('id', '=', id).execute();
  }

  /** Deletes the org's certificate; false when there was none. */
  async delete(orgId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('certificates').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * ACME certificates the renewal schedule looks at: auto-renewing, valid, expiring before
   * `expiringBefore`, last attempted (if ever) no later than `attemptedBy`, and in use: attached to or
   * deployed on a proxy host of a live host (one nobody serves is left to expire rather
   * than count against the CA's rate limits). Soonest expiry first.
   */
  listRenewalCandidates(expiringBefore: string, attemptedBy: string): Promise<CertificatesTable[]> {
    return this.db
      .selectFrom('certificates')
      .selectAll()
      .where('source', '=', 'acme')
      .where('auto_renew', '=', 1)
      .where('status', '=', 'valid')
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', expiringBefore)
      .where((eb) => eb.or([eb('renewal_attempted_at', 'is', null), eb('renewal_attempted_at', '<=', attemptedBy)]))
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('proxy_hosts')
            .innerJoin('agents', 'agents.id', 'proxy_hosts.agent_id')
            .select('proxy_hosts.id')
            .where('agents.revoked_at', 'is', null)
            .where((inner) => inner.or([inner('proxy_hosts.certificate_id', '=', inner.ref('certificates.id')), inner('proxy_hosts.deployed_certificate_id', '=', inner.ref('certificates.id'))])),
        ),
      )
      .orderBy('expires_at')
      .execute();
  }

  /** ACME certificates still `pending` since before `updatedBefore`: their order was lost (a restart mid-order). */
  listStalePending(updatedBefore: string): Promise<CertificatesTable[]> {
    return this.db
      .selectFrom('certificates')
      .selectAll()
      .where('source', '=', 'acme')
      .where('status', '=', 'pending')
      .where('updated_at', '<', updatedBefore)
      .orderBy('updated_at')
      .execute();
  }

  /** The proxy hosts (of live hosts) serving these certificates, by domain. */
  /**
   * The proxy hosts using each certificate: attached to it, or still serving it while a newly
   * attached one is issued (so a certificate a host serves cannot be deleted from under it).
   */
  async listUsers(certificateIds: string[]): Promise<CertificateUser[]> {
    if (certificateIds.length === 0) return [];
    const usersBy = (column: 'certificate_id' | 'deployed_certificate_id') =>
      this.db
        .selectFrom('proxy_hosts')
        .innerJoin('agents', 'agents.id', 'proxy_hosts.agent_id')
        .select([`proxy_hosts.${column} as certificate_id`, 'proxy_hosts.id as id', 'proxy_hosts.domain as domain', 'proxy_hosts.agent_id as agent_id', 'agents.name as agent_name'])
        .where(`proxy_hosts.${column}`, 'in', certificateIds)
        .where('agents.revoked_at', 'is', null)
        .execute() as Promise<CertificateUser[]>;
    const [attached, deployed] = await Promise.all([usersBy('certificate_id'), usersBy('deployed_certificate_id')]);
    const unique = new Map<string, CertificateUser>();
    for (const user of [...attached, ...deployed]) unique.set(`${user.certificate_id}/${user.id}`, user);
    return [...unique.values()].sort((a, b) => (a.domain === b.domain ? (a.id < b.id ? -1 : 1) : a.domain < b.domain ? -1 : 1));
  }

  // ------------------------------------------------------------ ACME accounts

  getAcmeAccount(orgId: string, directoryUrl: string): Promise<AcmeAccountsTable | undefined> {
    return this.db.selectFrom('acme_accounts').selectAll().where('org_id', '=', orgId).where('directory_url', '=', directoryUrl).executeTakeFirst();
  }

  /** Inserts the org's account at a directory unless one exists (two first orders at once); the caller reads it back. */
  async createAcmeAccountIfAbsent(row: AcmeAccountsTable): Promise<void> {
    await this.db
      .insertInto('acme_accounts')
      .values(row)
      .onConflict((conflict) => conflict.columns(['org_id', 'directory_url']).doNothing())
      .execute();
  }

  async setAcmeAccountUrl(id: string, accountUrl: string): Promise<void> {
    await this.db.updateTable('acme_accounts').set({ account_url: accountUrl }).where('id', '=', id).execute();
  }
}
