import { createHash, randomInt } from 'node:crypto';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InfraPilotClient } from '@infrapilot/client';
import type { ProxyHostInputBody } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { createAnotherOrg } from '../../test-helpers/another-org.js';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { docker, TEST_LABEL, TestContainers, uniqueName } from '../../test-helpers/docker.js';
import { openLiveSocket } from '../../test-helpers/live-socket.js';
import {
  NO_PROXY_HOST_BODY,
  proxyReported,
  startProxyAgent,
  startTestNginx,
  startUpstreamContainer,
  type ProxyTestAgent,
  type TestNginx,
  type UpstreamContainer,
} from '../../test-helpers/proxy.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const PASSWORD = 'a password long enough';
const MARKER = 'hello from the upstream container';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('proxies API against a real agent, nginx and dockerd', () => {
  let server: TestServer;
  let nginx: TestNginx;
  let agent: ProxyTestAgent;
  let agentId: string;
  let viewer: InfraPilotClient;
  let upstream: UpstreamContainer;
  const containers = new TestContainers();
  const networks: string[] = [];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    nginx = await startTestNginx();
    agent = await startProxyAgent(server.admin, 'proxy-host', { nginx });
    agentId = agent.agentId;
    await proxyReported(server.admin, agentId);
    await server.admin.users.create({ email: 'viewer@example.com', password: PASSWORD, role: 'viewer' });
    viewer = await server.signIn('viewer@example.com', PASSWORD);
    upstream = await startUpstreamContainer(containers, MARKER);
  });
  afterAll(async () => {
    await agent?.destroy();
    await containers.removeAll();
    for (const network of networks) await docker(['network', 'rm', network]).catch(() => undefined);
    await nginx?.stop();
    await server?.destroy();
  });

  /** A domain no other test uses. */
  const domain = (label: string) => `${uniqueName(label)}.test`;
  /** A proxy host forwarding to the upstream container by its bridge IP. */
  const toUpstream = (name: string, extra: Partial<ProxyHostInputBody> = {}): ProxyHostInputBody => ({
    domain: name,
    upstream: { kind: 'address', host: upstream.ip, port: upstream.port },
    ...extra,
  });
  const managedFiles = async () => (await readdir(nginx.proxyPolicy.nginx.configDirectory)).filter((name) => name.endsWith('.conf')).sort();
  const get = (host: string, options: { path?: string; localAddress?: string } = {}) => nginx.request({ host, ...options });

  describe('forwarding', () => {
    it('forwards Host app.test to a container by its IP, and reports what it wrote', async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream('app.test'));
      expect(created).toMatchObject({
        agentId,
        agentName: 'proxy-host',
        domain: 'app.test',
        status: 'active',
        sslEnabled: false,
        certificate: null,
        drift: null,
        upstreamAddress: `${upstream.ip}:${upstream.port}`,
        configPath: join(nginx.proxyPolicy.nginx.configDirectory, `infrapilot-${created.id}.conf`),
        configHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      const response = await get('app.test');
      expect(response.status).toBe(200);
      expect(response.body).toBe(MARKER);
      // Another name is not forwarded.
      expect((await get('other.test')).body).toContain(NO_PROXY_HOST_BODY);
    });

    it('forwards to a container named as the upstream, resolving its address on the host', async () => {
      const name = domain('byname');
      const created = await server.admin.proxies.create(agentId, { domain: name, upstream: { kind: 'container', container: upstream.name, port: upstream.port } });
      expect(created.upstream).toEqual({ kind: 'container', scheme: 'http', container: upstream.name, port: upstream.port });
      expect(created.upstreamAddress).toBe(`${upstream.ip}:${upstream.port}`);
      expect((await get(name)).body).toBe(MARKER);
    });

    it('follows a container that comes back with a new IP', async () => {
      // A network of its own, so the container's address can be chosen (Docker's default bridge does not allow that).
      const network = uniqueName('proxy-net');
      const prefix = `10.${200 + randomInt(50)}.${randomInt(250)}`;
      await docker(['network', 'create', '--subnet', `${prefix}.0/24`, '--label', TEST_LABEL, network]);
      networks.push(network);
      const moving = await startUpstreamContainer(containers, 'the container that moved', ['--network', network, '--ip', `${prefix}.10`]);
      const name = domain('moving');
      const created = await server.admin.proxies.create(agentId, { domain: name, upstream: { kind: 'container', container: moving.name, port: moving.port } });
      expect(created.upstreamAddress).toBe(`${prefix}.10:${moving.port}`);

      await docker(['stop', '-t', '1', moving.name]);
      await docker(['network', 'disconnect', network, moving.name]);
      await docker(['network', 'connect', '--ip', `${prefix}.20`, network, moving.name]);
      await docker(['start', moving.name]);

      const moved = await eventually(async () => {
        const host = await server.admin.proxies.get(agentId, created.id);
        return host.upstreamAddress === `${prefix}.20:${moving.port}` ? host : undefined;
      }, 'the proxy host is applied again with the new address', 20_000);
      expect(moved).toMatchObject({ status: 'active', configHash: expect.not.stringMatching(created.configHash!) });
      const response = await eventually(async () => {
        const answer = await get(name);
        return answer.status === 200 ? answer : undefined;
      }, 'the container answers through nginx again');
      expect(response.body).toBe('the container that moved');
    });

    it('lists proxy hosts in domain order, on every list, and shows one', async () => {
      const names = [domain('list-c'), domain('list-a'), domain('list-b')];
      for (const name of names) await server.admin.proxies.create(agentId, toUpstream(name));
      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await server.admin.proxies.list({ agentId, limit: 2, ...(cursor ? { cursor } : {}) });
        listed.push(...page.items.map((item) => item.domain));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(listed).toEqual([...listed].sort());
      expect(listed).toEqual(expect.arrayContaining(names));
      const onHost = await server.admin.proxies.listOnHost(agentId, { limit: 200 });
      const one = onHost.items.find((item) => item.domain === names[0])!;
      expect(await server.admin.proxies.get(agentId, one.id)).toEqual(one);
      expect((await apiFailure(server.admin.proxies.list({ cursor: 'not-a-cursor' }))).status).toBe(400);
    });

    it("answers 404 for another org's proxy host and host, as for ones that do not exist", async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream(domain('mine')));
      const { founder } = await createAnotherOrg(server);
      for (const attempt of [
        () => founder.proxies.get(agentId, created.id),
        () => founder.proxies.listOnHost(agentId),
        () => founder.proxies.list({ agentId }),
        () => founder.proxies.remove(agentId, created.id),
        // Regression: a filter on a host that does not exist answered an empty page.
        () => server.admin.proxies.list({ agentId: newId() }),
      ]) {
        const failure = await apiFailure(attempt());
        expect([failure.status, failure.code]).toEqual([404, 'not_found']);
      }
      expect((await founder.proxies.list()).items).toEqual([]);
      expect((await get(created.domain)).body).toBe(MARKER);
    });
  });

  describe('validation', () => {
    it('refuses hostile values with 400, naming the field, and writes nothing on the host', async () => {
      const before = await managedFiles();
      const cases: Array<{ body: ProxyHostInputBody; path: string; says: RegExp }> = [
        { body: toUpstream('a.test;include /etc/passwd'), path: 'body.domain', says: /Domain/ },
        { body: toUpstream(domain('csp'), { securityHeaders: { contentSecurityPolicy: "default-src 'self'\nadd_header X-Evil 1" } }), path: 'body.securityHeaders.contentSecurityPolicy', says: /printable/ },
        { body: toUpstream(domain('cidr'), { ipRules: [{ cidr: '10.0.0.0/33', action: 'deny' }] }), path: 'body.ipRules.0.cidr', says: /prefix length/ },
        { body: { domain: domain('upstream'), upstream: { kind: 'address', host: '10.0.0.1; return 200', port: 80 } }, path: 'body.upstream.host', says: /Upstream host/ },
        { body: toUpstream(domain('body'), { clientMaxBodySizeMb: 1_000_000 }), path: 'body.clientMaxBodySizeMb', says: /./ },
      ];
      for (const { body, path, says } of cases) {
        const failure = await apiFailure(server.admin.proxies.create(agentId, body));
        expect([failure.status, failure.code], path).toEqual([400, 'validation_failed']);
        const detail = failure.details.find((entry) => entry.path === path);
        expect(detail?.message, path).toMatch(says);
      }
      expect(await managedFiles()).toEqual(before);
      const listed = (await server.admin.proxies.list({ limit: 200 })).items.map((item) => item.domain);
      expect(listed.some((name) => name.includes('passwd') || name.startsWith('csp-') || name.startsWith('cidr-'))).toBe(false);
    });

    it('refuses a domain the host already serves with 409', async () => {
      const name = domain('twice');
      await server.admin.proxies.create(agentId, toUpstream(name));
      const failure = await apiFailure(server.admin.proxies.create(agentId, toUpstream(name.toUpperCase())));
      expect([failure.status, failure.code]).toEqual([409, 'conflict']);
      expect((await server.admin.proxies.list({ limit: 200 })).items.filter((item) => item.domain === name)).toHaveLength(1);
    });

    it('lets only one of two simultaneous creates of a domain win, and takes the loser’s file away again', async () => {
      const name = domain('race');
      const before = await managedFiles();
      // Both pass the duplicate check before either is stored. The agent applies one after the
      // other and refuses the second file (nginx would ignore a second server block for the
      // name: 422); should it not, the database's unique key decides (409).
      const outcomes = await Promise.allSettled([server.admin.proxies.create(agentId, toUpstream(name)), server.admin.proxies.create(agentId, toUpstream(name))]);
      const winner = outcomes.find((outcome) => outcome.status === 'fulfilled')?.value;
      const loser = outcomes.find((outcome) => outcome.status === 'rejected')?.reason as { status?: number; code?: string } | undefined;
      expect(winner?.domain).toBe(name);
      expect([[409, 'conflict'], [422, 'proxy_config_invalid']]).toContainEqual([loser?.status, loser?.code]);
      expect(await managedFiles()).toEqual([...before, `infrapilot-${winner!.id}.conf`].sort());
      expect((await get(name)).body).toBe(MARKER);
    });

    it('refuses a certificate that does not exist with 400', async () => {
      const failure = await apiFailure(server.admin.proxies.create(agentId, toUpstream(domain('nocert'), { certificateId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })));
      expect([failure.status, failure.code]).toEqual([400, 'validation_failed']);
    });
  });

  describe('who may do what', () => {
    it('lets a viewer look but not change', async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream(domain('viewed')));
      expect((await viewer.proxies.get(agentId, created.id)).domain).toBe(created.domain);
      expect((await viewer.proxies.list({ limit: 200 })).items.map((item) => item.id)).toContain(created.id);
      expect((await viewer.proxies.config(agentId, created.id)).configHash).toBe(created.configHash);
      expect((await viewer.proxies.server(agentId)).available).toBe(true);
      for (const attempt of [
        () => viewer.proxies.create(agentId, toUpstream(domain('by-viewer'))),
        () => viewer.proxies.update(agentId, created.id, toUpstream(created.domain, { http2: false })),
        () => viewer.proxies.remove(agentId, created.id),
        () => viewer.proxies.test(agentId, created.id),
        () => viewer.proxies.requestSsl(agentId, created.id, { source: 'self_signed' }),
      ]) {
        const failure = await apiFailure(attempt());
        expect([failure.status, failure.code]).toEqual([403, 'forbidden']);
      }
      expect((await get(created.domain)).body).toBe(MARKER);
    });
  });

  describe('what nginx does with the settings', () => {
    it('denies a client address (403) while another loopback address gets through', async () => {
      const name = domain('denied');
      await server.admin.proxies.create(agentId, toUpstream(name, { ipRules: [{ cidr: '127.0.0.1', action: 'deny' }] }));
      expect((await get(name)).status).toBe(403);
      const other = await get(name, { localAddress: '127.0.0.2' });
      expect([other.status, other.body]).toEqual([200, MARKER]);
    });

    it('applies allow before deny all by priority', async () => {
      const name = domain('allowed');
      await server.admin.proxies.create(agentId, toUpstream(name, { ipRules: [{ cidr: 'all', action: 'deny', priority: 10 }, { cidr: '127.0.0.2', action: 'allow', priority: 1 }] }));
      expect((await get(name, { localAddress: '127.0.0.2' })).status).toBe(200);
      expect((await get(name)).status).toBe(403);
    });

    it('answers 429 to a burst over the rate limit', async () => {
      const name = domain('limited');
      await server.admin.proxies.create(agentId, toUpstream(name, { rateLimits: [{ requests: 1, per: 'second', burst: 0 }] }));
      const statuses = await Promise.all(Array.from({ length: 10 }, () => get(name).then((response) => response.status)));
      expect(statuses).toContain(429);
      expect(statuses).toContain(200);
    });

    it('sends the security headers chosen', async () => {
      const name = domain('headers');
      const csp = "default-src 'self'; img-src 'self' data:";
      await server.admin.proxies.create(agentId, toUpstream(name, { securityHeaders: { xFrameOptions: 'DENY', contentSecurityPolicy: csp } }));
      const { headers } = await get(name);
      expect(headers).toMatchObject({ 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'x-xss-protection': '1; mode=block', 'content-security-policy': csp });
      // HSTS only over HTTPS.
      expect(headers['strict-transport-security']).toBeUndefined();

      const plain = domain('no-headers');
      await server.admin.proxies.create(agentId, toUpstream(plain, { securityHeaders: { xFrameOptions: null, xContentTypeOptions: false, xXssProtection: false } }));
      const bare = (await get(plain)).headers;
      expect([bare['x-frame-options'], bare['x-content-type-options'], bare['x-xss-protection'], bare['content-security-policy']]).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('refuses a body over the size limit with 413', async () => {
      const name = domain('small');
      await server.admin.proxies.create(agentId, toUpstream(name, { clientMaxBodySizeMb: 1 }));
      const response = await nginx.request({ host: name, method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(413);
    });
  });

  describe('config and test', () => {
    it('shows the file as it is on the host, with its hash', async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream(domain('config')));
      const config = await server.admin.proxies.config(agentId, created.id);
      const onDisk = await readFile(created.configPath!, 'utf8');
      expect(config).toMatchObject({ config: onDisk, configHash: sha256(onDisk), path: created.configPath, storedHash: created.configHash, drift: false });
      expect(config.configHash).toBe(created.configHash);
      await eventually(async () => (await server.admin.proxies.config(agentId, created.id)).liveHash === created.configHash, 'the heartbeat reports the file');
    });

    it('tests the saved settings and a candidate with nginx -t, leaving the live file alone', async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream(domain('tested')));
      const ok = await server.admin.proxies.test(agentId, created.id);
      expect(ok).toMatchObject({ ok: true, config: await readFile(created.configPath!, 'utf8') });
      expect(ok.output).toMatch(/test is successful/);

      const candidate = toUpstream(created.domain, { upstream: { kind: 'address', host: 'nosuchhost.invalid', port: 80 } });
      const refused = await server.admin.proxies.test(agentId, created.id, candidate);
      expect(refused.ok).toBe(false);
      expect(refused.output).toMatch(/host not found in upstream "nosuchhost\.invalid/);
      expect(refused.output).not.toMatch(/^nginx on /);
      expect(refused.config).toContain('nosuchhost.invalid');
      expect(sha256(await readFile(created.configPath!, 'utf8'))).toBe(created.configHash);
      expect((await get(created.domain)).body).toBe(MARKER);
    });
  });

  describe('one bad host', () => {
    it('is refused with 422 and nginx’s message, while the others keep serving', async () => {
      const first = await server.admin.proxies.create(agentId, toUpstream(domain('first')));
      const before = await managedFiles();
      const name = domain('second');
      const failure = await apiFailure(server.admin.proxies.create(agentId, { domain: name, upstream: { kind: 'address', host: 'nosuchhost.invalid', port: 80 } }));
      expect([failure.status, failure.code]).toEqual([422, 'proxy_config_invalid']);
      expect(failure.message).toMatch(/host not found in upstream/);
      expect(await managedFiles()).toEqual(before);
      expect((await server.admin.proxies.list({ limit: 200 })).items.some((item) => item.domain === name)).toBe(false);
      expect((await get(first.domain)).body).toBe(MARKER);
      expect(await nginx.running()).toBe(true);
    });

    it('leaves a host as it was when a change to it is refused', async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream(domain('kept')));
      const failure = await apiFailure(server.admin.proxies.update(agentId, created.id, toUpstream(created.domain, { upstream: { kind: 'address', host: 'nosuchhost.invalid', port: 80 } })));
      expect(failure.status).toBe(422);
      expect(await server.admin.proxies.get(agentId, created.id)).toMatchObject({ upstream: created.upstream, configHash: created.configHash, status: 'active' });
      expect(sha256(await readFile(created.configPath!, 'utf8'))).toBe(created.configHash);
      expect((await get(created.domain)).body).toBe(MARKER);
    });
  });

  describe('drift', () => {
    it('reports a hand-edited file, and a save rewrites it and clears the drift', async () => {
      const detected: Array<DomainEvents['proxy.drift_detected']> = [];
      const stop = server.app.bus.subscribe('proxy.drift_detected', (event) => void detected.push(event));
      const live = openLiveSocket(server.baseUrl, { credential: server.admin.credential!, org: (await server.admin.orgs.current()).id });
      try {
        expect(await live.outcome).toBe('open');
        const body = toUpstream(domain('edited'));
        const created = await server.admin.proxies.create(agentId, body);
        await appendFile(created.configPath!, '\n# edited by hand\n');

        const drifted = await eventually(async () => {
          const host = await server.admin.proxies.get(agentId, created.id);
          return host.status === 'drift' ? host : undefined;
        }, 'the edit is reported as drift');
        expect(drifted.drift).toMatchObject({ reason: 'modified', path: created.configPath, detectedAt: expect.any(String) });
        expect(detected.filter((event) => event.proxyHostId === created.id)).toEqual([expect.objectContaining({ agentId, domain: created.domain, reason: 'modified' })]);
        expect(await live.frame('proxy.drift_detected', (frame) => frame.proxyHostId === created.id)).toMatchObject({ reason: 'modified' });
        const config = await server.admin.proxies.config(agentId, created.id);
        expect(config).toMatchObject({ drift: true, storedHash: created.configHash, liveHash: sha256(await readFile(created.configPath!, 'utf8')) });

        const saved = await server.admin.proxies.update(agentId, created.id, body);
        expect(saved).toMatchObject({ status: 'active', drift: null, configHash: created.configHash });
        expect(sha256(await readFile(created.configPath!, 'utf8'))).toBe(created.configHash);
        await live.frame('proxy.drift_resolved', (frame) => frame.proxyHostId === created.id);
        await live.frame('proxy.changed', (frame) => frame.proxyHostId === created.id);
      } finally {
        stop();
        await live.close();
      }
    });
  });

  describe('orphaned files', () => {
    it('removes a managed file no proxy host describes within a few heartbeats, and leaves the others serving', async () => {
      const kept = await server.admin.proxies.create(agentId, toUpstream(domain('kept-by-orphan')));
      const orphan = `infrapilot-${newId()}.conf`;
      await writeFile(join(nginx.proxyPolicy.nginx.configDirectory, orphan), '# dropped here by hand, or left by an apply nobody waited for\n', { mode: 0o644 });
      expect(await managedFiles()).toContain(orphan);
      await eventually(async () => !(await managedFiles()).includes(orphan), 'the agent is asked to remove the orphaned file', 15_000);
      expect(await managedFiles()).toContain(`infrapilot-${kept.id}.conf`);
      expect((await get(kept.domain)).body).toBe(MARKER);
    });
  });

  describe('removal', () => {
    it('removes the file, and nginx answers that name with its default server', async () => {
      const created = await server.admin.proxies.create(agentId, toUpstream(domain('removed')));
      expect((await get(created.domain)).body).toBe(MARKER);
      await server.admin.proxies.remove(agentId, created.id);
      expect(await managedFiles()).not.toContain(`infrapilot-${created.id}.conf`);
      const after = await get(created.domain);
      expect([after.status, after.body.trim()]).toEqual([404, NO_PROXY_HOST_BODY]);
      expect((await apiFailure(server.admin.proxies.get(agentId, created.id))).status).toBe(404);
    });
  });

  describe('audit', () => {
    it('records every change with the proxy host, its domain and host', async () => {
      const name = domain('audited');
      const created = await server.admin.proxies.create(agentId, toUpstream(name));
      await server.admin.proxies.update(agentId, created.id, toUpstream(name, { http2: false }));
      await server.admin.proxies.test(agentId, created.id);
      await apiFailure(server.admin.proxies.create(agentId, toUpstream(name)));
      await server.admin.proxies.remove(agentId, created.id);

      const { items } = await server.admin.audit.list({ action: 'proxy.*', limit: 100 });
      const mine = items.filter((entry) => entry.resourceId === created.id || (entry.requestBody as { domain?: string } | null)?.domain === name);
      const seen = mine.map((entry) => [entry.action, entry.responseStatus, entry.resourceId]).reverse();
      expect(seen).toEqual([
        ['proxy.create', 201, created.id],
        ['proxy.update', 200, created.id],
        ['proxy.test', 200, created.id],
        // Refused before it existed: named by its domain.
        ['proxy.create', 409, name],
        ['proxy.delete', 200, created.id],
      ]);
      for (const entry of mine) {
        expect(entry.resourceType).toBe('proxy_host');
        expect(entry.requestBody).toMatchObject({ agentId, host: 'proxy-host', domain: name });
      }
    });
  });

  describe('the host without nginx', () => {
    let bare: ProxyTestAgent;
    beforeAll(async () => {
      const policy = structuredClone(nginx.proxyPolicy);
      policy.nginx.test = ['/nonexistent/sbin/nginx', '-t'];
      policy.nginx.reload = ['/nonexistent/sbin/nginx', '-s', 'reload'];
      policy.nginx.start = ['/nonexistent/sbin/nginx'];
      bare = await startProxyAgent(server.admin, 'bare-host', { proxyPolicy: policy });
      await proxyReported(server.admin, bare.agentId);
    });
    afterAll(async () => {
      await bare?.destroy();
    });

    it('reports that nginx is missing, and answers 503 proxy_unavailable to a change', async () => {
      expect(await server.admin.proxies.server(bare.agentId)).toMatchObject({ agentName: 'bare-host', available: false, problem: expect.stringMatching(/nginx is not installed/) });
      const failure = await apiFailure(server.admin.proxies.create(bare.agentId, toUpstream(domain('nowhere'))));
      expect([failure.status, failure.code]).toEqual([503, 'proxy_unavailable']);
      expect(failure.message).toMatch(/nginx is not installed/);
      expect((await server.admin.proxies.listOnHost(bare.agentId)).items).toEqual([]);
    });
  });
});
