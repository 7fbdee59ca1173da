import { create } from '@bufbuild/protobuf';
import { ProxyHostInputSchema, type ProxyHostInputBody } from '@infrapilot/protocol';
import { ProxyStateSchema } from '@infrapilot/protocol/agent';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContainersTable } from '../../db/schema.js';
import { newId } from '../../platform/ids.js';
import { certificateRow, insertAgent, insertOrg } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { type AppliedFacts, inputOf, rowsOf, serverRowOf, toProxyServer } from './proxies.mapping.js';
import { ProxiesRepo } from './proxies.repo.js';

const AT = '2025-03-01T12:00:00.000Z';
const LATER = '2025-03-02T12:00:00.000Z';
const HASH = 'a'.repeat(64);

const APPLIED: AppliedFacts = { configHash: HASH, configPath: '/etc/nginx/conf.d/x.conf', upstreamAddress: '10.0.0.5:8080', ssl: null };

function input(body: Partial<ProxyHostInputBody> = {}) {
  return ProxyHostInputSchema.parse({ domain: `app-${newId().slice(-8)}.test`, upstream: { kind: 'address', host: '10.0.0.5', port: 8080 }, ...body });
}

function containerRow(agentId: string, name: string): ContainersTable {
  return {
    id: newId(),
    agent_id: agentId,
    container_id: newId().replace(/-/g, '').padEnd(64, '0'),
    name,
    image: 'infrapilot-test/busybox:latest',
    image_id: `sha256:${'b'.repeat(64)}`,
    state: 'running',
    status_text: 'Up',
    health: null,
    stack_name: null,
    stack_service: null,
    cpu_percent: null,
    memory_bytes: null,
    memory_limit_bytes: null,
    restart_count: 0,
    exit_code: null,
    ports: '[]',
    created_at: AT,
    started_at: AT,
    last_synced_at: AT,
  };
}

describeOnBothDialects('proxies repository', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: ProxiesRepo;
  let orgId: string;
  let otherOrgId: string;

  beforeAll(async () => {
    repo = new ProxiesRepo(handle());
    orgId = await insertOrg(handle());
    otherOrgId = await insertOrg(handle());
  });

  const freshHost = (inOrg = orgId) => insertAgent(handle(), inOrg);
  const store = async (agentId: string, given = input(), applied = APPLIED) => {
    const rows = rowsOf({ id: newId(), agentId, createdAt: AT, updatedAt: AT }, given, applied);
    await handle().transaction(() => repo.insert(rows));
    return rows;
  };

  it('stores a proxy host with its headers, rate limits and IP rules, and reads back what was given', async () => {
    const host = await freshHost();
    const given = input({
      securityHeaders: { contentSecurityPolicy: "default-src 'self'", xFrameOptions: 'DENY', hstsMaxAgeSeconds: 600 },
      rateLimits: [
        { requests: 10, per: 'second', burst: 5 },
        { requests: 600, per: 'minute', burst: 0, enabled: false },
      ],
      ipRules: [
        { cidr: '10.0.0.0/8', action: 'allow', priority: 5 },
        { cidr: 'all', action: 'deny', priority: 10 },
        { cidr: '2001:db8::/32', action: 'allow', priority: 5 },
      ],
      clientMaxBodySizeMb: 0,
      websockets: false,
    });
    const rows = await store(host.id, given);

    const record = (await repo.getInOrg(orgId, rows.host.id))!;
    expect(record).toMatchObject({ agentName: host.name, orgId });
    expect(inputOf(record)).toEqual(given);
    expect(record.host).toMatchObject({ status: 'active', config_hash: HASH, upstream_address: '10.0.0.5:8080', upstream_target: '10.0.0.5:8080', ssl_enabled: 0 });
    expect(record.rateLimits.map((limit) => [limit.zone_name, limit.time_window])).toEqual([
      [`infrapilot_${rows.host.id.replace(/-/g, '')}_1`, '1s'],
      [`infrapilot_${rows.host.id.replace(/-/g, '')}_2_off`, '1m'],
    ]);
  });

  it('does not show a proxy host of another org', async () => {
    const elsewhere = await freshHost(otherOrgId);
    const rows = await store(elsewhere.id);
    expect(await repo.getInOrg(orgId, rows.host.id)).toBeUndefined();
    expect((await repo.getInOrg(otherOrgId, rows.host.id))?.host.id).toBe(rows.host.id);
    expect((await repo.listInOrg(orgId, {}, { limit: 500 })).map((record) => record.host.id)).not.toContain(rows.host.id);
  });

  it('pages through an org in domain order, and filters by host', async () => {
    const org = await insertOrg(handle());
    const one = await freshHost(org);
    const two = await freshHost(org);
    for (const [agentId, domain] of [[one.id, 'c.test'], [two.id, 'a.test'], [one.id, 'b.test'], [two.id, 'c.test']] as const) await store(agentId, input({ domain }));

    const domains: string[] = [];
    let after: { domain: string; id: string } | undefined;
    for (;;) {
      const page = await repo.listInOrg(org, {}, { limit: 3, after });
      domains.push(...page.slice(0, 2).map((record) => record.host.domain));
      if (page.length <= 2) break;
      const last = page[1]!.host;
      after = { domain: last.domain, id: last.id };
    }
    expect(domains).toEqual(['a.test', 'b.test', 'c.test', 'c.test']);
    expect((await repo.listInOrg(org, { agentId: one.id }, { limit: 10 })).map((record) => record.host.domain)).toEqual(['b.test', 'c.test']);
  });

  it('refuses the same domain twice on one host, and knows a domain is taken', async () => {
    const host = await freshHost();
    const rows = await store(host.id, input({ domain: 'taken.test' }));
    expect(await repo.domainTaken(host.id, 'taken.test')).toBe(true);
    expect(await repo.domainTaken(host.id, 'taken.test', rows.host.id)).toBe(false);
    expect(await repo.domainTaken((await freshHost()).id, 'taken.test')).toBe(false);
    await expect(store(host.id, input({ domain: 'taken.test' }))).rejects.toThrow();
  });

  it('replaces a host and its children as a whole, keeping when it was created', async () => {
    const host = await freshHost();
    const rows = await store(host.id, input({ rateLimits: [{ requests: 1, per: 'second' }], ipRules: [{ cidr: '10.0.0.1', action: 'deny' }] }));
    const changed = input({ domain: rows.host.domain, http2: false, rateLimits: [], ipRules: [{ cidr: '192.168.0.0/16', action: 'allow', priority: 1 }] });
    const replacement = rowsOf({ id: rows.host.id, agentId: host.id, createdAt: 'ignored', updatedAt: LATER }, changed, { ...APPLIED, configHash: 'b'.repeat(64) });
    await handle().transaction(() => repo.replace(replacement));

    const record = (await repo.getInOrg(orgId, rows.host.id))!;
    expect(inputOf(record)).toEqual(changed);
    expect(record.host).toMatchObject({ created_at: AT, updated_at: LATER, config_hash: 'b'.repeat(64) });
  });

  it('marks drift once per transition, only while the hash is the one compared, and clears it', async () => {
    const host = await freshHost();
    const { host: row } = await store(host.id);
    const drift = { reason: 'modified' as const, path: '/etc/nginx/conf.d/x.conf', at: LATER };
    expect(await repo.markDrift(row.id, 'c'.repeat(64), drift)).toBe(false);
    expect(await repo.markDrift(row.id, HASH, drift)).toBe(true);
    expect(await repo.markDrift(row.id, HASH, drift)).toBe(false);
    expect((await repo.getById(row.id))!.host).toMatchObject({ status: 'drift', drift_reason: 'modified', drift_path: drift.path, drift_detected_at: LATER });
    expect(await repo.markDrift(row.id, HASH, { ...drift, reason: 'missing' })).toBe(true);

    expect(await repo.clearDrift(row.id)).toBe(true);
    expect(await repo.clearDrift(row.id)).toBe(false);
    expect((await repo.getById(row.id))!.host).toMatchObject({ status: 'active', drift_reason: null, drift_path: null, drift_detected_at: null });
  });

  it('finds the hosts of a certificate and of a container, and links a known container', async () => {
    const host = await freshHost();
    const container = containerRow(host.id, 'web-1');
    await handle().root.insertInto('containers').values(container).execute();
    const byName = await store(host.id, input({ upstream: { kind: 'container', container: 'web-1', port: 80 } }));
    const byId = await store(host.id, input({ upstream: { kind: 'container', container: container.container_id.slice(0, 12), port: 80 } }));
    await store(host.id);

    expect(await repo.idsByContainer(host.id, { name: 'web-1', containerId: container.container_id })).toEqual([byName.host.id]);
    const links = await handle().root.selectFrom('container_upstreams').selectAll().where('proxy_host_id', '=', byName.host.id).execute();
    expect(links).toEqual([expect.objectContaining({ container_id: container.id, container_port: 80 })]);
    // A reference our rows do not resolve is stored by name only.
    expect(await handle().root.selectFrom('container_upstreams').selectAll().where('proxy_host_id', '=', byId.host.id).execute()).toEqual([]);

    const certificateId = newId();
    await handle().root.insertInto('certificates').values(certificateRow(orgId, { id: certificateId, source: 'self_signed' })).execute();
    await repo.attachCertificate(byName.host.id, certificateId, LATER);
    expect(await repo.idsByCertificate(certificateId)).toEqual([byName.host.id]);
  });

  it('deletes a host with its children', async () => {
    const host = await freshHost();
    const rows = await store(host.id, input({ rateLimits: [{ requests: 1, per: 'second' }], ipRules: [{ cidr: 'all', action: 'deny' }] }));
    expect(await repo.delete(rows.host.id)).toBe(true);
    expect(await repo.delete(rows.host.id)).toBe(false);
    for (const table of ['proxy_security_headers', 'rate_limits', 'ip_rules'] as const) {
      expect(await handle().root.selectFrom(table).selectAll().where('proxy_host_id', '=', rows.host.id).execute()).toEqual([]);
    }
  });

  it('records an error without touching the settings', async () => {
    const host = await freshHost();
    const rows = await store(host.id);
    await repo.markError(rows.host.id, 'nginx said no', LATER);
    expect((await repo.getById(rows.host.id))!.host).toMatchObject({ status: 'error', last_error: 'nginx said no', config_hash: HASH });
  });

  describe('proxy servers', () => {
    it('inserts, then updates the row of a host, with numbers as numbers', async () => {
      const host = await freshHost();
      const state = create(ProxyStateSchema, { available: true, server: 'nginx', version: '1.22.1', running: true, configDirectory: '/etc/nginx/conf.d', httpPort: 80, httpsPort: 443 });
      await repo.upsertServer(serverRowOf(host.id, state, AT));
      expect(toProxyServer((await repo.getServer(host.id))!, host.name)).toEqual({
        agentId: host.id,
        agentName: host.name,
        available: true,
        problem: null,
        server: 'nginx',
        version: '1.22.1',
        running: true,
        configDirectory: '/etc/nginx/conf.d',
        httpPort: 80,
        httpsPort: 443,
        reportedAt: AT,
      });
      await repo.upsertServer(serverRowOf(host.id, create(ProxyStateSchema, { available: false, problem: 'nginx is not installed' }), LATER));
      expect(toProxyServer((await repo.getServer(host.id))!, host.name)).toMatchObject({ available: false, problem: 'nginx is not installed', httpPort: null, reportedAt: LATER });
    });
  });
});
