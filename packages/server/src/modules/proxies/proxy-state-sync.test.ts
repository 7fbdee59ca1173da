import { create } from '@bufbuild/protobuf';
import { ProxyHostInputSchema } from '@infrapilot/protocol';
import { ProxyManagedFileSchema, ProxyStateSchema, type ProxyState } from '@infrapilot/protocol/agent';
import { beforeAll, expect, it } from 'vitest';
import { EventBus, type DomainEvents } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { FakeClock } from '../../test-helpers/fake-clock.js';
import { insertAgent, insertOrg } from '../../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { rowsOf } from './proxies.mapping.js';
import { ProxiesRepo } from './proxies.repo.js';
import { ProxyStateSync } from './proxy-state-sync.js';

const WRITTEN = '1'.repeat(64);
const EDITED = '2'.repeat(64);
const PATH = '/etc/nginx/conf.d/infrapilot-x.conf';

function stateWith(files: Array<{ proxyHostId: string; sha256: string; path?: string }>, available = true): ProxyState {
  return create(ProxyStateSchema, {
    available,
    problem: available ? '' : 'nginx is not installed',
    server: 'nginx',
    version: '1.22.1',
    running: true,
    configDirectory: '/etc/nginx/conf.d',
    httpPort: 80,
    httpsPort: 443,
    files: files.map((file) => create(ProxyManagedFileSchema, { path: PATH, ...file })),
  });
}

describeOnBothDialects('proxy state from heartbeats', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: ProxiesRepo;
  let orgId: string;

  beforeAll(async () => {
    repo = new ProxiesRepo(handle());
    orgId = await insertOrg(handle());
  });

  /** A host with one applied proxy host, a sync and the drift events it publishes. */
  async function world() {
    const agent = await insertAgent(handle(), orgId);
    const id = newId();
    const input = ProxyHostInputSchema.parse({ domain: `app-${id.slice(-6)}.test`, upstream: { kind: 'address', host: '10.0.0.5', port: 80 } });
    await handle().transaction(() =>
      repo.insert(rowsOf({ id, agentId: agent.id, createdAt: 'x', updatedAt: 'x' }, input, { configHash: WRITTEN, configPath: PATH, upstreamAddress: null, ssl: null })),
    );
    const bus = new EventBus();
    const detected: Array<DomainEvents['proxy.drift_detected']> = [];
    const resolved: Array<DomainEvents['proxy.drift_resolved']> = [];
    bus.subscribe('proxy.drift_detected', (event) => void detected.push(event));
    bus.subscribe('proxy.drift_resolved', (event) => void resolved.push(event));
    // No orphans here: the one file each heartbeat shows is the proxy host's.
    const commands = { remove: async () => undefined };
    const sync = new ProxyStateSync({ repo, bus, clock: new FakeClock(), commands, logger: { warn: () => undefined } });
    const principal = { agentId: agent.id, orgId, name: agent.name, status: 'active' };
    const report = (files: Array<{ proxyHostId: string; sha256: string; path?: string }>, available?: boolean) => sync.recordState(principal, stateWith(files, available));
    return { agent, id, domain: input.domain, sync, report, detected, resolved, status: async () => (await repo.getById(id))!.host };
  }

  it('keeps the proxy server row of the host current', async () => {
    const { agent, report } = await world();
    await report([]);
    expect(await repo.getServer(agent.id)).toMatchObject({ available: 1, server: 'nginx', version: '1.22.1', http_port: 80 });
    await report([], false);
    expect(await repo.getServer(agent.id)).toMatchObject({ available: 0, problem: 'nginx is not installed' });
  });

  it('reports a file edited by hand once two heartbeats in a row show it, and once only', async () => {
    const { id, domain, agent, sync, report, detected, status } = await world();
    await report([{ proxyHostId: id, sha256: WRITTEN }]);
    expect(sync.liveFile(agent.id, id)).toEqual({ path: PATH, sha256: WRITTEN });
    await report([{ proxyHostId: id, sha256: EDITED }]);
    expect((await status()).status).toBe('active');
    await report([{ proxyHostId: id, sha256: EDITED }]);
    expect(await status()).toMatchObject({ status: 'drift', drift_reason: 'modified', drift_path: PATH });
    await report([{ proxyHostId: id, sha256: EDITED }]);
    expect(detected).toEqual([expect.objectContaining({ orgId, agentId: agent.id, proxyHostId: id, domain, reason: 'modified', path: PATH })]);
  });

  it('reports a removed file as missing, and resolves when the file matches again', async () => {
    const { id, report, detected, resolved, status, sync, agent } = await world();
    await report([]);
    await report([]);
    expect(sync.liveFile(agent.id, id)).toBeNull();
    expect(await status()).toMatchObject({ status: 'drift', drift_reason: 'missing' });
    await report([{ proxyHostId: id, sha256: WRITTEN }]);
    expect(await status()).toMatchObject({ status: 'active', drift_reason: null });
    expect(detected.map((event) => event.reason)).toEqual(['missing']);
    expect(resolved).toEqual([expect.objectContaining({ proxyHostId: id })]);
  });

  it('ignores heartbeats that arrive while the host is being applied, and one stale heartbeat after', async () => {
    const { id, report, detected, sync } = await world();
    await sync.whileApplying(id, async () => {
      await report([{ proxyHostId: id, sha256: EDITED }]);
      await report([{ proxyHostId: id, sha256: EDITED }]);
    });
    // Read before the apply finished, arrived after it: alone, it proves nothing.
    await report([{ proxyHostId: id, sha256: EDITED }]);
    await report([{ proxyHostId: id, sha256: WRITTEN }]);
    expect(detected).toEqual([]);
  });

  // Regression: a config directory longer than drift_path (varchar(500)) failed the heartbeat on PostgreSQL.
  it('keeps the first 500 characters of a very long path in the drift', async () => {
    const { id, report, status } = await world();
    const path = `/${'d'.repeat(600)}/infrapilot-${id}.conf`;
    await report([{ proxyHostId: id, sha256: EDITED, path }]);
    await report([{ proxyHostId: id, sha256: EDITED, path }]);
    expect(await status()).toMatchObject({ status: 'drift', drift_path: path.slice(0, 500) });
  });

  it('says nothing about drift while the host has no usable nginx', async () => {
    const { report, detected, status } = await world();
    await report([], false);
    await report([], false);
    expect(detected).toEqual([]);
    expect((await status()).status).toBe('active');
  });
});

describeOnBothDialects('orphaned proxy files from heartbeats', (dialect) => {
  const handle = useMigratedDatabase(dialect);
  let repo: ProxiesRepo;
  let orgId: string;

  beforeAll(async () => {
    repo = new ProxiesRepo(handle());
    orgId = await insertOrg(handle());
  });

  async function world() {
    const agent = await insertAgent(handle(), orgId);
    const removals: string[] = [];
    const warnings: string[] = [];
    let removalFails = false;
    const clock = new FakeClock();
    const commands = {
      remove: async (_host: { id: string }, proxyHostId: string) => {
        removals.push(proxyHostId);
        if (removalFails) throw new Error('nginx refused');
      },
    };
    const sync = new ProxyStateSync({ repo, bus: new EventBus(), clock, commands, logger: { warn: (_object, message) => void warnings.push(message) } });
    const report = (ids: string[]) => sync.recordState({ agentId: agent.id, orgId, name: agent.name, status: 'active' }, stateWith(ids.map((proxyHostId) => ({ proxyHostId, sha256: WRITTEN }))));
    // The removal is sent in the background: let it run.
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    return { agent, sync, clock, report, settle, removals, warnings, failRemovals: () => void (removalFails = true) };
  }

  /** A proxy host row of another host (and org): its file is not an orphan wherever it shows up. */
  async function storedElsewhere(): Promise<string> {
    const otherOrg = await insertOrg(handle());
    const agent = await insertAgent(handle(), otherOrg);
    const id = newId();
    const input = ProxyHostInputSchema.parse({ domain: `elsewhere-${id.slice(-6)}.test`, upstream: { kind: 'address', host: '10.0.0.5', port: 80 } });
    await handle().transaction(() => repo.insert(rowsOf({ id, agentId: agent.id, createdAt: 'x', updatedAt: 'x' }, input, { configHash: WRITTEN, configPath: PATH, upstreamAddress: null, ssl: null })));
    return id;
  }

  it('asks the agent to remove a file no proxy host describes once two heartbeats in a row show it, and once a minute at most', async () => {
    const { report, settle, removals, clock } = await world();
    const orphan = newId();
    await report([orphan]);
    await settle();
    expect(removals).toEqual([]);
    await report([orphan]);
    await settle();
    expect(removals).toEqual([orphan]);
    // Still there (the removal is running, or was refused): not asked again within the minute.
    await report([orphan]);
    await settle();
    expect(removals).toEqual([orphan]);
    clock.advance(61_000);
    await report([orphan]);
    await settle();
    expect(removals).toEqual([orphan, orphan]);
  });

  it('leaves alone a file whose proxy host exists in another org, one being applied, one seen once, and a name that is no id', async () => {
    const { report, settle, removals, sync } = await world();
    const elsewhere = await storedElsewhere();
    const applying = newId();
    const once = newId();
    await sync.whileApplying(applying, async () => {
      await report([elsewhere, applying, once, '------------------------------------']);
      await report([elsewhere, applying, '------------------------------------']);
    });
    await report([elsewhere]);
    await settle();
    expect(removals).toEqual([]);
  });

  it('logs a removal the agent refused', async () => {
    const { report, settle, removals, warnings, failRemovals } = await world();
    failRemovals();
    const orphan = newId();
    await report([orphan]);
    await report([orphan]);
    await settle();
    expect(removals).toEqual([orphan]);
    expect(warnings).toEqual([expect.stringMatching(/could not remove a managed proxy file/)]);
  });
});
