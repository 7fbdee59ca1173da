import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificatesTable } from '../../db/schema.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { certificateRow, FIXTURE_CREATED_AT, insertAgent, insertOrg, proxyHostRow } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { AcmeAccounts } from './acme-accounts.js';
import { CertificatesRepo } from './certificates.repo.js';

const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nnot really a key\n-----END PRIVATE KEY-----\n';

describeOnBothDialects('certificates repository', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: CertificatesRepo;
  let orgId: string;
  let otherOrgId: string;
  const secretBox = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    repo = new CertificatesRepo(handle());
    orgId = await insertOrg(handle());
    otherOrgId = await insertOrg(handle());
  });

  describe('certificates', () => {
    it('stores a sealed key that is not the plaintext and opens back to it', async () => {
      const row = certificateRow(orgId, { private_key_sealed: secretBox.seal(KEY_PEM) });
      await repo.create(row);
      const stored = await repo.getInOrg(orgId, row.id);
      expect(stored?.private_key_sealed).toBeTruthy();
      expect(stored!.private_key_sealed).not.toContain('PRIVATE KEY');
      expect(stored!.private_key_sealed).not.toContain('not really a key');
      expect(secretBox.open(stored!.private_key_sealed!)).toBe(KEY_PEM);
    });

    it("does not find another org's certificate", async () => {
      const row = certificateRow(otherOrgId);
      await repo.create(row);
      expect(await repo.getInOrg(orgId, row.id)).toBeUndefined();
      expect(await repo.getInOrg(otherOrgId, row.id)).toMatchObject({ id: row.id });
      expect(await repo.delete(orgId, row.id)).toBe(false);
      expect(await repo.listByIds(orgId, [row.id])).toEqual([]);
    });

    it('pages through an org in name order', async () => {
      const pagedOrg = await insertOrg(handle());
      for (const name of ['charlie', 'alpha', 'bravo']) await repo.create(certificateRow(pagedOrg, { name }));
      const first = await repo.listInOrg(pagedOrg, { limit: 2 });
      expect(first.map((row) => row.name)).toEqual(['alpha', 'bravo']);
      const rest = await repo.listInOrg(pagedOrg, { limit: 2, after: { name: first[1]!.name, id: first[1]!.id } });
      expect(rest.map((row) => row.name)).toEqual(['charlie']);
    });

    it('names the host that answers challenges, and forgets it once the host is revoked', async () => {
      const agent = await insertAgent(handle(), orgId, { name: 'edge-1' });
      const row = certificateRow(orgId, { source: 'acme', agent_id: agent.id });
      await repo.create(row);
      expect(await repo.getWithAgent(row.id)).toMatchObject({ id: row.id, agent_id: agent.id, agent_name: 'edge-1' });
      await handle().root.updateTable('agents').set({ revoked_at: FIXTURE_CREATED_AT }).where('id', '=', agent.id).execute();
      expect(await repo.getWithAgent(row.id)).toMatchObject({ agent_id: agent.id, agent_name: null });
    });

    it('lists the proxy hosts using certificates, with their host names', async () => {
      const agent = await insertAgent(handle(), orgId, { name: 'web-1' });
      const used = certificateRow(orgId);
      const unused = certificateRow(orgId);
      await repo.create(used);
      await repo.create(unused);
      const proxy = proxyHostRow(agent.id, { domain: 'shop.example.com', certificate_id: used.id });
      await handle().root.insertInto('proxy_hosts').values(proxy).execute();
      expect(await repo.listUsers([used.id, unused.id])).toEqual([{ certificate_id: used.id, id: proxy.id, domain: 'shop.example.com', agent_id: agent.id, agent_name: 'web-1' }]);
      expect(await repo.listUsers([])).toEqual([]);
      // A proxy host still serving a certificate while a newly attached one is issued uses both.
      const pending = certificateRow(orgId, { name: 'pending', status: 'pending' });
      await repo.create(pending);
      await handle().root.updateTable('proxy_hosts').set({ certificate_id: pending.id, deployed_certificate_id: used.id }).where('id', '=', proxy.id).execute();
      expect(await repo.listUsers([used.id, pending.id])).toEqual(
        expect.arrayContaining([
          { certificate_id: used.id, id: proxy.id, domain: 'shop.example.com', agent_id: agent.id, agent_name: 'web-1' },
          { certificate_id: pending.id, id: proxy.id, domain: 'shop.example.com', agent_id: agent.id, agent_name: 'web-1' },
        ]),
      );
      expect(await repo.listUsers([used.id])).toHaveLength(1);
      await handle().root.updateTable('proxy_hosts').set({ deployed_certificate_id: null }).where('id', '=', proxy.id).execute();
      // A deleted certificate leaves its proxy hosts without one rather than failing.
      await handle().root.updateTable('proxy_hosts').set({ certificate_id: null }).where('id', '=', proxy.id).execute();
      expect(await repo.delete(orgId, used.id)).toBe(true);
      expect(await repo.getInOrg(orgId, used.id)).toBeUndefined();
    });

    it('lists renewal candidates: valid, auto-renewing, in use, expiring in the window, not tried lately', async () => {
      const dueOrg = await insertOrg(handle());
      const live = await insertAgent(handle(), dueOrg, { name: 'live-host' });
      const revoked = await insertAgent(handle(), dueOrg, { name: 'revoked-host' });
      await handle().root.updateTable('agents').set({ revoked_at: FIXTURE_CREATED_AT }).where('id', '=', revoked.id).execute();
      const acme = (overrides: Partial<CertificatesTable>) => certificateRow(dueOrg, { source: 'acme', auto_renew: 1, ...overrides });
      const due = acme({ name: 'due', expires_at: '2025-06-10T00:00:00.000Z' });
      const soonest = acme({ name: 'soonest', expires_at: '2025-06-05T00:00:00.000Z', renewal_attempted_at: '2025-05-01T00:00:00.000Z' });
      const deployedOnly = acme({ name: 'deployed-only', expires_at: '2025-06-20T00:00:00.000Z' });
      const later = acme({ name: 'later', expires_at: '2025-09-01T00:00:00.000Z' });
      const triedLately = acme({ name: 'tried', expires_at: '2025-06-10T00:00:00.000Z', renewal_attempted_at: '2025-06-01T11:30:00.000Z' });
      const manual = acme({ name: 'manual', expires_at: '2025-06-10T00:00:00.000Z', auto_renew: 0 });
      const failed = acme({ name: 'failed', expires_at: null, status: 'failed' });
      const uploaded = certificateRow(dueOrg, { name: 'uploaded', expires_at: '2025-06-10T00:00:00.000Z', auto_renew: 1 });
      const unused = acme({ name: 'unused', expires_at: '2025-06-10T00:00:00.000Z' });
      const onRevokedHost = acme({ name: 'on-revoked-host', expires_at: '2025-06-10T00:00:00.000Z' });
      const rows = [due, soonest, deployedOnly, later, triedLately, manual, failed, uploaded, unused, onRevokedHost];
      for (const row of rows) await repo.create(row);
      // Every certificate but `unused` is on a proxy host; `deployed-only` is the one still served while another is issued.
      for (const row of rows.filter((candidate) => candidate !== unused && candidate !== onRevokedHost && candidate !== deployedOnly)) {
        await handle().root.insertInto('proxy_hosts').values(proxyHostRow(live.id, { certificate_id: row.id })).execute();
      }
      await handle().root.insertInto('proxy_hosts').values(proxyHostRow(live.id, { certificate_id: null, deployed_certificate_id: deployedOnly.id })).execute();
      await handle().root.insertInto('proxy_hosts').values(proxyHostRow(revoked.id, { certificate_id: onRevokedHost.id })).execute();
      // Two proxy hosts on one certificate list it once.
      await handle().root.insertInto('proxy_hosts').values(proxyHostRow(live.id, { certificate_id: due.id, deployed_certificate_id: due.id })).execute();

      const found = await repo.listRenewalCandidates('2025-07-01T12:00:00.000Z', '2025-06-01T11:00:00.000Z');
      expect(found.filter((row) => row.org_id === dueOrg).map((row) => row.name)).toEqual(['soonest', 'due', 'deployed-only']);
    });

    it('updates the fields given and leaves the rest', async () => {
      const row = certificateRow(orgId, { status: 'pending', last_error: 'old' });
      await repo.create(row);
      await repo.update(row.id, { status: 'failed', last_error: 'the CA said no' });
      expect(await repo.getInOrg(orgId, row.id)).toMatchObject({ status: 'failed', last_error: 'the CA said no', name: row.name, issuer: 'CN=Test' });
    });
  });

  describe('ACME accounts', () => {
    it('creates one sealed account key per org and directory, and reuses it', async () => {
      const accounts = new AcmeAccounts({ repo, secretBox, clock: new FakeClock() });
      const first = await accounts.forOrg(orgId, 'https://ca.example/dir', 'ops@example.com');
      expect(first.accountKeyPem).toContain('-----BEGIN');
      expect(first).toMatchObject({ accountUrl: null, email: 'ops@example.com' });
      const row = await repo.getAcmeAccount(orgId, 'https://ca.example/dir');
      expect(row!.account_key_sealed).not.toContain('PRIVATE KEY');
      expect(secretBox.open(row!.account_key_sealed)).toBe(first.accountKeyPem);

      await accounts.remember(first, 'https://ca.example/acct/1');
      const again = await accounts.forOrg(orgId, 'https://ca.example/dir', null);
      expect(again).toEqual({ ...first, accountUrl: 'https://ca.example/acct/1' });

      const elsewhere = await accounts.forOrg(orgId, 'https://other-ca.example/dir', null);
      const otherOrg = await accounts.forOrg(otherOrgId, 'https://ca.example/dir', null);
      expect(new Set([first.accountKeyPem, elsewhere.accountKeyPem, otherOrg.accountKeyPem]).size).toBe(3);
    });

    it('keeps the first account when two orders create one at once', async () => {
      const racingOrg = await insertOrg(handle());
      const accounts = new AcmeAccounts({ repo, secretBox, clock: new FakeClock() });
      const [one, two] = await Promise.all([accounts.forOrg(racingOrg, 'https://ca.example/dir', null), accounts.forOrg(racingOrg, 'https://ca.example/dir', null)]);
      expect(one.id).toBe(two.id);
      expect(one.accountKeyPem).toBe(two.accountKeyPem);
    });
  });
});
