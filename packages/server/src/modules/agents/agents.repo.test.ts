import type { Insertable } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentCertificatesTable, AgentMetricSamplesTable, AgentsTable, EnrollmentTokensTable } from '../../db/schema.js';
import { newId } from '../../platform/ids.js';
import { agentRow, FIXTURE_CREATED_AT, insertOrg } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { AgentsRepo } from './agents.repo.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function tokenRow(orgId: string, overrides: Partial<EnrollmentTokensTable> = {}): EnrollmentTokensTable {
  const id = overrides.id ?? newId();
  return {
    id,
    org_id: orgId,
    agent_id: null,
    token_hash: `hash-${id}`,
    created_by: null,
    created_at: iso(T0),
    expires_at: iso(T0 + 3_600_000),
    used_at: null,
    agent_name: 'web-1',
    revoked_at: null,
    ...overrides,
  };
}

function certificateRow(agentId: string, overrides: Partial<AgentCertificatesTable> = {}): AgentCertificatesTable {
  const id = overrides.id ?? newId();
  return {
    id,
    agent_id: agentId,
    fingerprint: `fp-${id}`,
    serial_number: id.replace(/-/g, ''),
    not_before: iso(T0),
    not_after: iso(T0 + 30 * 86_400_000),
    issued_at: iso(T0),
    revoked_at: null,
    ...overrides,
  };
}

function sample(agentId: string, collectedAtMs: number, cpu: number, memoryUsed = 1000): Insertable<AgentMetricSamplesTable> {
  return {
    agent_id: agentId,
    collected_at_ms: collectedAtMs,
    cpu_percent: cpu,
    memory_used_bytes: memoryUsed,
    memory_total_bytes: 8_000_000_000,
    disk_used_bytes: 5_000_000_000,
    disk_total_bytes: 20_000_000_000,
    // Eighths add up exactly in binary floating point, so averages compare with toEqual.
    load_average_1m: cpu / 8,
    load_average_5m: 0,
    load_average_15m: 0,
    network_receive_bytes_per_second: 10,
    network_transmit_bytes_per_second: 20,
    uptime_seconds: 3600,
  };
}

describeOnBothDialects('agents repository', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: AgentsRepo;
  let orgId: string;
  let otherOrgId: string;

  beforeAll(async () => {
    repo = new AgentsRepo(handle());
    orgId = await insertOrg(handle());
    otherOrgId = await insertOrg(handle());
  });

  async function createAgent(overrides: Partial<AgentsTable> = {}, inOrg = orgId): Promise<AgentsTable> {
    // The shared fixture is an active host; these tests start from a freshly enrolled one.
    const row = agentRow(inOrg, { status: 'pending', ...overrides });
    await repo.createAgent(row);
    return row;
  }

  describe('enrollment tokens', () => {
    it('lets exactly one of two concurrent claims of a token win', async () => {
      for (let round = 0; round < 5; round += 1) {
        const token = tokenRow(orgId);
        await repo.createEnrollmentToken(token);
        const claims = await Promise.all([
          handle().transaction(() => repo.claimEnrollmentToken(token.id, iso(T0 + 1))),
          handle().transaction(() => repo.claimEnrollmentToken(token.id, iso(T0 + 2))),
        ]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect((await repo.getEnrollmentTokenByHash(token.token_hash))?.used_at).not.toBeNull();
      }
    });

    it('does not let a used or revoked token be claimed', async () => {
      const used = tokenRow(orgId);
      await repo.createEnrollmentToken(used);
      expect(await repo.claimEnrollmentToken(used.id, iso(T0))).toBe(true);
      expect(await repo.claimEnrollmentToken(used.id, iso(T0 + 1))).toBe(false);
      expect((await repo.getEnrollmentTokenByHash(used.token_hash))?.used_at).toBe(iso(T0));

      const revoked = tokenRow(orgId);
      await repo.createEnrollmentToken(revoked);
      expect(await repo.revokeEnrollmentToken(orgId, revoked.id, iso(T0))).toBe(true);
      expect(await repo.claimEnrollmentToken(revoked.id, iso(T0 + 1))).toBe(false);
    });

    it('lists only the open tokens of the org and revokes only within it', async () => {
      const open = tokenRow(otherOrgId);
      const expired = tokenRow(otherOrgId, { expires_at: iso(T0 - 1) });
      const used = tokenRow(otherOrgId, { used_at: iso(T0) });
      const elsewhere = tokenRow(orgId);
      for (const row of [open, expired, used, elsewhere]) await repo.createEnrollmentToken(row);

      const listed = await repo.listOpenEnrollmentTokens(otherOrgId, iso(T0));
      expect(listed.map((row) => row.id)).toEqual([open.id]);

      expect(await repo.revokeEnrollmentToken(orgId, open.id, iso(T0))).toBe(false);
      expect(await repo.revokeEnrollmentToken(otherOrgId, used.id, iso(T0))).toBe(false);
      expect(await repo.revokeEnrollmentToken(otherOrgId, open.id, iso(T0))).toBe(true);
      expect(await repo.revokeEnrollmentToken(otherOrgId, open.id, iso(T0 + 1))).toBe(false);
      expect(await repo.listOpenEnrollmentTokens(otherOrgId, iso(T0))).toEqual([]);
    });

    it('links a claimed token to the agent it enrolled', async () => {
      const token = tokenRow(orgId);
      await repo.createEnrollmentToken(token);
      const agent = await createAgent();
      await repo.linkEnrollmentToken(token.id, agent.id);
      expect((await repo.getEnrollmentTokenByHash(token.token_hash))?.agent_id).toBe(agent.id);
    });
  });

  describe('agents and certificates', () => {
    it('revokes the agent and every certificate it holds, and nothing of another agent', async () => {
      const agent = await createAgent({ status: 'active' });
      const bystander = await createAgent({ status: 'active' });
      const current = certificateRow(agent.id);
      const previous = certificateRow(agent.id);
      const alreadyRevoked = certificateRow(agent.id, { revoked_at: iso(T0 - 5000) });
      const other = certificateRow(bystander.id);
      for (const row of [current, previous, alreadyRevoked, other]) await repo.createCertificate(row);

      await handle().transaction(() => repo.revoke(agent.id, iso(T0)));

      for (const row of [current, previous]) {
        expect(await repo.getCertificateOwner(row.fingerprint)).toMatchObject({ agentId: agent.id, certificateRevokedAt: iso(T0), agentRevokedAt: iso(T0) });
      }
      expect(await repo.getCertificateOwner(alreadyRevoked.fingerprint)).toMatchObject({ certificateRevokedAt: iso(T0 - 5000) });
      expect(await repo.getCertificateOwner(other.fingerprint)).toMatchObject({ agentId: bystander.id, orgId, certificateRevokedAt: null, agentRevokedAt: null });

      expect(await repo.getInOrg(orgId, agent.id)).toBeUndefined();
      expect((await repo.getById(agent.id))?.revoked_at).toBe(iso(T0));
      expect(await repo.changeStatus(agent.id, 'active', 'offline')).toBe(false);
      const listed = await repo.listInOrg(orgId, { limit: 1000 });
      expect(listed.map((row) => row.id)).not.toContain(agent.id);
      expect(listed.map((row) => row.id)).toContain(bystander.id);
    });

    it('knows no owner for a fingerprint it never issued', async () => {
      expect(await repo.getCertificateOwner('0'.repeat(64))).toBeUndefined();
    });

    it('does not find an agent through another org', async () => {
      const agent = await createAgent();
      expect(await repo.getInOrg(otherOrgId, agent.id)).toBeUndefined();
      expect((await repo.getInOrg(orgId, agent.id))?.id).toBe(agent.id);
    });

    it('pages through an org by id', async () => {
      const pagedOrg = await insertOrg(handle());
      const created: string[] = [];
      for (let index = 0; index < 5; index += 1) created.push((await createAgent({}, pagedOrg)).id);
      const first = await repo.listInOrg(pagedOrg, { limit: 2 });
      const second = await repo.listInOrg(pagedOrg, { limit: 2, afterId: first.at(-1)!.id });
      const third = await repo.listInOrg(pagedOrg, { limit: 2, afterId: second.at(-1)!.id });
      expect([...first, ...second, ...third].map((row) => row.id)).toEqual([...created].sort());
    });

    it('changes a status only from the status it expects', async () => {
      const agent = await createAgent({ status: 'pending' });
      expect(await repo.changeStatus(agent.id, 'active', 'offline')).toBe(false);
      expect(await repo.changeStatus(agent.id, 'pending', 'active')).toBe(true);
      expect(await repo.changeStatus(agent.id, 'pending', 'active')).toBe(false);
      expect((await repo.getById(agent.id))?.status).toBe('active');
    });

    it('lists active agents silent since before the cutoff, or never heard from', async () => {
      const silentOrg = await insertOrg(handle());
      const cutoff = iso(T0);
      const silent = await createAgent({ status: 'active', last_seen_at: iso(T0 - 1) }, silentOrg);
      const neverSeen = await createAgent({ status: 'active', last_seen_at: null }, silentOrg);
      await createAgent({ status: 'active', last_seen_at: iso(T0) }, silentOrg);
      await createAgent({ status: 'active', last_seen_at: iso(T0 + 1000) }, silentOrg);
      await createAgent({ status: 'pending', last_seen_at: null }, silentOrg);
      await createAgent({ status: 'offline', last_seen_at: iso(T0 - 60_000) }, silentOrg);
      await createAgent({ status: 'active', last_seen_at: iso(T0 - 60_000), revoked_at: iso(T0) }, silentOrg);

      const listed = (await repo.listSilentActiveAgents(cutoff)).filter((row) => row.org_id === silentOrg);
      expect(listed.map((row) => row.id).sort()).toEqual([silent.id, neverSeen.id].sort());
      expect(listed.every((row) => row.status === 'active')).toBe(true);
    });
  });

  describe('metric samples', () => {
    it('buckets by whole steps from the start of the range, as plain numbers on both dialects', async () => {
      const agent = await createAgent();
      const step = 7_000;
      await repo.insertSamples([
        sample(agent.id, T0 - 1, 99), // before the range
        sample(agent.id, T0, 10, 1000),
        sample(agent.id, T0 + step - 1, 20, 2000), // last millisecond of bucket 0
        sample(agent.id, T0 + step, 30, 3000), // first millisecond of bucket 1
        sample(agent.id, T0 + 3 * step + 6_500, 40, 4000), // bucket 3; bucket 2 is empty
        sample(agent.id, T0 + 3 * step + 6_999, 60, 6000),
        sample(agent.id, T0 + 4 * step, 99), // at `to`: excluded
      ]);

      const buckets = await repo.bucketedSamples(agent.id, T0, T0 + 4 * step, step);
      expect(buckets.map((bucket) => bucket.bucket)).toEqual([0, 1, 3]);
      expect(buckets.map((bucket) => bucket.samples)).toEqual([2, 1, 2]);
      expect(buckets.map((bucket) => bucket.cpu_percent)).toEqual([15, 30, 50]);
      expect(buckets.map((bucket) => bucket.memory_used_bytes)).toEqual([1500, 3000, 5000]);
      expect(buckets.map((bucket) => bucket.load_average_1m)).toEqual([1.875, 3.75, 6.25]);
      for (const bucket of buckets) {
        for (const [key, value] of Object.entries(bucket)) expect(typeof value, key).toBe('number');
        expect(bucket).toMatchObject({ memory_total_bytes: 8_000_000_000, disk_used_bytes: 5_000_000_000, disk_total_bytes: 20_000_000_000 });
        expect(bucket).toMatchObject({ network_receive_bytes_per_second: 10, network_transmit_bytes_per_second: 20 });
      }
    });

    it('keeps each agent’s samples to itself and answers an empty range with no buckets', async () => {
      const one = await createAgent();
      const two = await createAgent();
      await repo.insertSamples([sample(one.id, T0 + 10, 10), sample(two.id, T0 + 10, 90)]);
      expect((await repo.bucketedSamples(one.id, T0, T0 + 60_000, 60_000)).map((bucket) => bucket.cpu_percent)).toEqual([10]);
      expect(await repo.bucketedSamples(one.id, T0 + 60_000, T0 + 120_000, 60_000)).toEqual([]);
      await repo.insertSamples([]);
    });

    it('deletes samples older than the cutoff and says how many', async () => {
      const agent = await createAgent();
      const farPast = T0 - 400 * 86_400_000;
      await repo.insertSamples([sample(agent.id, farPast, 1), sample(agent.id, farPast + 1, 2), sample(agent.id, farPast + 2, 3)]);
      expect(await repo.deleteSamplesBefore(farPast + 2)).toBe(2);
      const left = await repo.bucketedSamples(agent.id, farPast, farPast + 1000, 1000);
      expect(left).toMatchObject([{ bucket: 0, samples: 1, cpu_percent: 3 }]);
    });
  });
});
