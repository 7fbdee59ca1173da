// Proxy hosts whose host goes away and comes back: a real agent stopped and run again from
// its enrolled state dir, a test nginx that keeps running meanwhile (as a host's nginx
// would when only the agent stops), and a busybox httpd container as the upstream.
import { readdir } from 'node:fs/promises';
import type { ProxyHostInputBody } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { TestContainers, uniqueName } from '../../test-helpers/docker.js';
import { freePort } from '../../test-helpers/free-port.js';
import {
  proxyReported,
  restartProxyAgent,
  startProxyAgent,
  startTestNginx,
  startUpstreamContainer,
  type ProxyTestAgent,
  type TestNginx,
  type UpstreamContainer,
} from '../../test-helpers/proxy.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const MARKER = 'served while the agent comes and goes';

describe('proxy hosts of a host whose agent goes away and comes back', () => {
  let server: TestServer;
  let nginx: TestNginx;
  let agent: ProxyTestAgent;
  let agentId: string;
  let orgId: string;
  let upstream: UpstreamContainer;
  const containers = new TestContainers();

  beforeAll(async () => {
    // Nothing should ever reach a CA here; if something did, it would fail at once.
    server = await startTestServer('sqlite', undefined, { config: { acmeDirectoryUrl: `http://127.0.0.1:${await freePort()}/directory` } });
    nginx = await startTestNginx();
    agent = await startProxyAgent(server.admin, 'coming-and-going', { nginx });
    agentId = agent.agentId;
    orgId = (await server.admin.orgs.current()).id;
    await proxyReported(server.admin, agentId);
    upstream = await startUpstreamContainer(containers, MARKER);
  });
  afterAll(async () => {
    await agent?.destroy();
    await containers.removeAll();
    await nginx?.stop();
    await server?.destroy();
  });

  const domain = (label: string) => `${uniqueName(label)}.test`;
  const toUpstream = (name: string): ProxyHostInputBody => ({ domain: name, upstream: { kind: 'address', host: upstream.ip, port: upstream.port } });
  const managedFiles = async () => (await readdir(nginx.proxyPolicy.nginx.configDirectory)).filter((name) => name.endsWith('.conf'));

  async function stopAgent(): Promise<void> {
    await agent.stop();
    await eventually(async () => !(await server.admin.agents.get(agentId)).connected, 'the agent is disconnected');
  }

  async function runAgentAgain(policy = agent.policy): Promise<void> {
    agent = await restartProxyAgent(agent, { policy });
    await eventually(async () => (await server.admin.agents.get(agentId)).connected, 'the agent is connected again');
  }

  it('deletes a proxy host of an offline host only with force, and the agent removes its file when it is back', async () => {
    const created = await server.admin.proxies.create(agentId, toUpstream(domain('forced')));
    const file = `infrapilot-${created.id}.conf`;
    await stopAgent();

    const refused = await apiFailure(server.admin.proxies.remove(agentId, created.id));
    expect([refused.status, refused.code]).toEqual([503, 'agent_offline']);
    expect((await server.admin.proxies.get(agentId, created.id)).id).toBe(created.id);

    await server.admin.proxies.remove(agentId, created.id, { force: true });
    expect((await apiFailure(server.admin.proxies.get(agentId, created.id))).status).toBe(404);
    const { items } = await server.admin.audit.list({ action: 'proxy.delete', limit: 20 });
    const deletions = items.filter((entry) => entry.resourceId === created.id).map((entry) => [entry.responseStatus, (entry.requestBody as { force?: boolean }).force]);
    expect(deletions).toEqual([
      [200, true],
      [503, false],
    ]);
    // Nobody could take the file away yet: nginx still serves it.
    expect(await managedFiles()).toContain(file);
    expect((await nginx.request({ host: created.domain })).body).toBe(MARKER);

    await runAgentAgain();
    await eventually(async () => !(await managedFiles()).includes(file), 'the agent removes the orphaned file', 15_000);
  });

  it('applies a proxy host left in error again when its host is back', async () => {
    const created = await server.admin.proxies.create(agentId, toUpstream(domain('reconciled')));
    await stopAgent();
    // Silent for more than three heartbeat intervals: the sweep marks it offline.
    server.clock.advance(10_000);
    await eventually(async () => (await server.admin.agents.get(agentId)).status === 'offline', 'the host is marked offline');
    // What the bus does when a certificate is issued (or a container restarts) while the host is away.
    await server.app.services.proxies.reapply(created.id, orgId);
    expect(await server.admin.proxies.get(agentId, created.id)).toMatchObject({ status: 'error', lastError: expect.stringMatching(/offline/) });

    await runAgentAgain();
    const healed = await eventually(async () => {
      const host = await server.admin.proxies.get(agentId, created.id);
      return host.status === 'active' ? host : undefined;
    }, 'the proxy host is applied again');
    expect(healed).toMatchObject({ lastError: null, configHash: created.configHash });
    expect((await nginx.request({ host: created.domain })).body).toBe(MARKER);
  });

  it('starts no ACME order when the agent is offline (503) or its policy does not allow the proxy (403)', async () => {
    const created = await server.admin.proxies.create(agentId, toUpstream(domain('no-order')));
    const allowed = agent.policy;
    await stopAgent();
    const offline = await apiFailure(server.admin.proxies.requestSsl(agentId, created.id, { source: 'acme' }));
    expect([offline.status, offline.code]).toEqual([503, 'agent_offline']);

    const withoutProxy = structuredClone(allowed);
    withoutProxy.capabilities.proxy = false;
    await runAgentAgain(withoutProxy);
    const denied = await apiFailure(server.admin.proxies.requestSsl(agentId, created.id, { source: 'acme' }));
    expect([denied.status, denied.code]).toEqual([403, 'policy_denied']);

    expect((await server.admin.certificates.list()).items).toEqual([]);
    expect((await server.admin.proxies.get(agentId, created.id)).certificateId).toBeNull();

    await stopAgent();
    await runAgentAgain(allowed);
  });
});
