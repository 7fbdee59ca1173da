import { crypto as acmeCrypto } from 'acme-client';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { newId } from '../../platform/ids.js';
import type { CertificatesRepo } from './certificates.repo.js';

/** An org's account at an ACME directory, its key opened for signing requests. */
export interface AcmeAccount {
  id: string;
  accountKeyPem: string;
  /** Known once the CA has registered the account; null before the first order. */
  accountUrl: string | null;
  /** The contact registered with a new account. */
  email: string | null;
}

/**
 * One ACME account per org and directory: its key is generated on first use, sealed
 * under the master key, and reused for every order and renewal, so the CA sees one
 * account (rate limits, expiry mail) rather than one per certificate.
 */
export class AcmeAccounts {
  constructor(private readonly deps: { repo: CertificatesRepo; secretBox: SecretBox; clock: Clock }) {}

  async forOrg(orgId: string, directoryUrl: string, email: string | null): Promise<AcmeAccount> {
    let row = await this.deps.repo.getAcmeAccount(orgId, directoryUrl);
    if (!row) {
      const accountKey = await acmeCrypto.createPrivateEcdsaKey('P-256');
      await this.deps.repo.createAcmeAccountIfAbsent({
        id: newId(),
        org_id: orgId,
        directory_url: directoryUrl,
        email,
        account_key_sealed: this.deps.secretBox.seal(accountKey.toString('utf8')),
        account_url: null,
        created_at: isoTimestamp(this.deps.clock.now()),
      });
      // Another order may have created it first: whichever row won is the account.
      row = await this.deps.repo.getAcmeAccount(orgId, directoryUrl);
      if (!row) throw new Error('The ACME account row vanished right after it was created');
    }
    return { id: row.id, accountKeyPem: this.deps.secretBox.open(row.account_key_sealed), accountUrl: row.account_url, email: row.email };
  }

  /** Records the URL the CA gave the account, so later orders skip registration. */
  async remember(account: AcmeAccount, accountUrl: string): Promise<void> {
    if (account.accountUrl === accountUrl) return;
    await this.deps.repo.setAcmeAccountUrl(account.id, accountUrl);
  }
}
