import { appendFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { ProxyHost } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestContainers, uniqueName } from '../../../server/src/test-helpers/docker.js';
import {
  NO_PROXY_HOST_BODY,
  type ProxyTestAgent,
  proxyReported,
  startProxyAgent,
  startTestNginx,
  startUpstreamContainer,
  type TestNginx,
} from '../../../server/src/test-helpers/proxy.js';
import { eventually } from '../../../server/src/test-helpers/test-agent.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

const UPSTREAM_BODY = 'hello from the upstream';

/** A plain HTTP server on a free loopback port: an address upstream, answering with the Host it was asked for. */
async function startUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'text/plain');
    response.end(`${UPSTREAM_BODY} (${request.headers.host})`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the upstream has no port');
  return { server, port: address.port };
}

describe('infrapilot proxies against a real nginx', () => {
  const { server, home } = useSignedInAdmin();
  const hostName = uniqueName('cli-proxy');
  const containers = new TestContainers();
  let nginx: TestNginx | undefined;
  let host: ProxyTestAgent | undefined;
  let upstream: { server: Server; port: number } | undefined;
  const domain = 'app.test';

  const started = () => {
    if (!nginx || !upstream || !host) throw new Error('beforeAll did not finish');
    return { nginx, upstream, host };
  };
  const request = (options: { host?: string; https?: boolean; localAddress?: string } = {}) => started().nginx.request({ host: options.host ?? domain, ...options });
  const proxyHostOf = async (name: string): Promise<ProxyHost | undefined> =>
    (await server().admin.proxies.list({ agentId: started().host.agentId })).items.find((proxyHost) => proxyHost.domain === name);
  /** Waits for a heartbeat to report the file as last written: until then the server compares with an older report. */
  const reported = async (name: string): Promise<void> => {
    const proxyHost = (await proxyHostOf(name))!;
    await eventually(async () => {
      const config = await server().admin.proxies.config(proxyHost.agentId, proxyHost.id);
      return config.liveHash !== null && config.liveHash === config.storedHash;
    }, `a heartbeat reports the file of ${name} as written`);
  };

  beforeAll(async () => {
    nginx = await startTestNginx();
    upstream = await startUpstream();
    host = await startProxyAgent(server().admin, hostName, { nginx });
    await proxyReported(server().admin, host.agentId);
  });

  afterAll(async () => {
    await host?.destroy();
    await nginx?.stop();
    await containers.removeAll();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  it('adds a proxy host that forwards its domain to an address', async () => {
    const added = await home().run(['proxies', 'add', hostName, domain, '--to', `127.0.0.1:${started().upstream.port}`, '--rate-limit', '100/s:50']);
    expect(added).toMatchObject({ code: 0, stdout: `Added ${domain} on ${hostName} → http://127.0.0.1:${started().upstream.port}: HTTP only.\n`, stderr: '' });
    const answer = await request();
    expect(answer).toMatchObject({ status: 200, body: `${UPSTREAM_BODY} (${domain})` });
  });

  it('lists proxy hosts with upstream, SSL and status, without naming the only host', async () => {
    const list = await home().run(['proxies', 'ls']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ domain\s+│ host\s+│ upstream\s+│ SSL\s+│ status\s+│/);
    expect(list.stdout).toMatch(new RegExp(`│ ${domain}\\s+│ ${hostName} │ http://127\\.0\\.0\\.1:${started().upstream.port} │ off\\s+│ active │`));
    const json = JSON.parse((await home().run(['proxies', 'ls', hostName, '--json'])).stdout);
    expect(json.items).toEqual([expect.objectContaining({ domain, agentName: hostName, rateLimits: [{ requests: 100, per: 'second', burst: 50, enabled: true }] })]);
  });

  it('prints the nginx file of a proxy host, named by its domain or id', async () => {
    await reported(domain);
    const config = await home().run(['proxies', 'config', hostName, domain]);
    expect(config.code).toBe(0);
    expect(config.stdout).toMatch(new RegExp(`server_name ${domain.replace('.', '\\.')};`));
    expect(config.stdout).toContain(`127.0.0.1:${started().upstream.port}`);
    expect(config.stderr).toBe('');
    const id = (await proxyHostOf(domain))!.id;
    expect((await home().run(['proxies', 'config', hostName, id])).stdout).toBe(config.stdout);
    const missing = await home().run(['proxies', 'config', hostName, 'other.test']);
    expect(missing).toMatchObject({ code: 1, stderr: `error: no proxy host "other.test" on ${hostName}; its proxy hosts: ${domain}\n` });
  });

  it("tests the saved file with nginx -t, and a candidate made of the options given", async () => {
    const saved = await home().run(['proxies', 'test', hostName, domain]);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toMatch(/syntax is ok/);
    const candidate = await home().run(['proxies', 'test', hostName, domain, '--csp', "default-src 'self'", '--json']);
    expect(candidate.code).toBe(0);
    expect(JSON.parse(candidate.stdout)).toMatchObject({ ok: true, config: expect.stringContaining(`default-src 'self'`) });
    // Nothing went live: the saved file has no CSP.
    expect((await home().run(['proxies', 'config', hostName, domain])).stdout).not.toContain('Content-Security-Policy');
  });

  it('exits 1 with nginx\'s message when nginx -t fails', async () => {
    // nginx -t reads the whole configuration, so a broken file of someone else's fails every test.
    const broken = join(started().nginx.prefix, 'conf.d', 'zz-broken.conf');
    await writeFile(broken, 'this_is_not_a_directive on;\n');
    try {
      const tested = await home().run(['proxies', 'test', hostName, domain]);
      expect(tested.code).toBe(1);
      expect(tested.stdout).toMatch(/unknown directive "this_is_not_a_directive"/);
      expect(tested.stderr).toBe(`error: nginx -t refused the configuration of ${domain} on ${hostName}\n`);
    } finally {
      await rm(broken, { force: true });
    }
  });

  it('edits only the options given: IP rules apply in command-line order', async () => {
    const denied = await home().run(['proxies', 'edit', hostName, domain, '--deny', '127.0.0.1']);
    expect(denied).toMatchObject({ code: 0, stdout: `Updated ${domain} on ${hostName} → http://127.0.0.1:${started().upstream.port}: HTTP only.\n`, stderr: '' });
    expect((await request()).status).toBe(403);

    const allowedFirst = await home().run(['proxies', 'edit', hostName, domain, '--allow', '127.0.0.2', '--deny', 'all']);
    expect(allowedFirst.code).toBe(0);
    expect(allowedFirst.stderr).toBe(`note: replaced ${domain}'s 1 IP rule(s) with the 2 given\n`);
    expect((await request()).status).toBe(403);
    expect((await request({ localAddress: '127.0.0.2' })).status).toBe(200);

    const edited = (await proxyHostOf(domain))!;
    expect(edited.ipRules).toEqual([
      { cidr: '127.0.0.2', action: 'allow', priority: 1 },
      { cidr: 'all', action: 'deny', priority: 2 },
    ]);
    // What the flags did not name stayed as it was.
    expect(edited.rateLimits).toEqual([{ requests: 100, per: 'second', burst: 50, enabled: true }]);

    expect((await home().run(['proxies', 'edit', hostName, domain, '--no-ip-rules'])).code).toBe(0);
    expect((await request()).status).toBe(200);
  });

  it('reports a hand-edited file as drift and writes it back on an edit without options', async () => {
    const path = (await proxyHostOf(domain))!.configPath!;
    await appendFile(path, '# edited by hand\n');
    await eventually(async () => (await proxyHostOf(domain))?.status === 'drift', 'the server marks the proxy host drifted');

    const config = await home().run(['proxies', 'config', hostName, domain]);
    expect(config.code).toBe(0);
    expect(config.stderr).toBe(
      `note: ${path} on ${hostName} was changed by hand (drift); this is what InfraPilot would write. \`infrapilot proxies edit ${hostName} ${domain}\` with no options writes it back.\n`,
    );
    expect(config.stdout).not.toContain('# edited by hand');
    expect((await home().run(['proxies', 'ls'])).stdout).toMatch(new RegExp(`│ ${domain}\\s+│ .* │ drift\\s+│`));

    const rewritten = await home().run(['proxies', 'edit', hostName, domain]);
    expect(rewritten).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^Rewrote ${domain} on ${hostName}`)) });
    await eventually(async () => (await proxyHostOf(domain))?.status === 'active', 'the drift is resolved');
    await reported(domain);
    expect((await home().run(['proxies', 'config', hostName, domain])).stderr).toBe('');
  });

  it('issues a self-signed certificate: HTTPS is served and HTTP redirects', async () => {
    const issued = await home().run(['certs', 'issue', hostName, domain, '--self-signed', '--days', '10']);
    expect(issued.code).toBe(0);
    expect(issued.stdout).toBe(`${domain} on ${hostName} → http://127.0.0.1:${started().upstream.port}: HTTPS (valid 9d), HTTP redirects to HTTPS.\n`);

    const https = await request({ https: true });
    expect(https).toMatchObject({ status: 200, body: `${UPSTREAM_BODY} (${domain})` });
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(https.peerCertificate?.subject?.CN).toBe(domain);
    expect((await request()).status).toBe(301);

    expect((await home().run(['proxies', 'ls'])).stdout).toMatch(new RegExp(`│ ${domain}\\s+│ .* │ valid 9d │ active │`));
    const certs = await home().run(['certs', 'ls']);
    expect(certs.stdout).toMatch(new RegExp(`│ self-signed │ valid\\s+│ \\d{4}-\\d{2}-\\d{2} \\(\\d+ days? left\\) │ ${domain} \\(${hostName}\\) │`));
  });

  it('refuses to remove a certificate in use, with the API\'s reason', async () => {
    const certificateId = (await proxyHostOf(domain))!.certificateId!;
    const refused = await home().run(['certs', 'rm', certificateId, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*\(conflict\)\n$/);
  });

  it('adds a second proxy host with a certificate and options in one go', async () => {
    const added = await home().run([
      'proxies', 'add', hostName, 'bücher.test', '--to', `http://127.0.0.1:${started().upstream.port}`,
      '--ssl', 'self-signed', '--no-force-ssl', '--frame-options', 'DENY', '--json',
    ]);
    expect(added.code).toBe(0);
    const proxyHost = JSON.parse(added.stdout) as ProxyHost;
    expect(proxyHost).toMatchObject({ domain: 'xn--bcher-kva.test', sslEnabled: true, forceSsl: false, securityHeaders: { xFrameOptions: 'DENY' } });
    const https = await request({ host: 'xn--bcher-kva.test', https: true });
    expect(https).toMatchObject({ status: 200 });
    expect(https.headers['x-frame-options']).toBe('DENY');
    expect((await request({ host: 'xn--bcher-kva.test' })).status).toBe(200);

    const duplicate = await home().run(['proxies', 'add', hostName, 'BÜCHER.test', '--to', '127.0.0.1:1']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^error: .*\(conflict\)\n$/);
  });

  it('forwards to a container by name and port, and lists it that way', async () => {
    const marker = uniqueName('cli-upstream');
    const container = await startUpstreamContainer(containers, marker);
    const added = await home().run(['proxies', 'add', hostName, 'web.test', '--to', `container:${container.name}:${container.port}`]);
    expect(added).toMatchObject({ code: 0, stdout: `Added web.test on ${hostName} → container ${container.name}:${container.port}: HTTP only.\n` });
    expect(await request({ host: 'web.test' })).toMatchObject({ status: 200, body: marker });
    expect((await home().run(['proxies', 'ls', hostName])).stdout).toMatch(new RegExp(`│ web\\.test\\s+│ ${hostName} │ container ${container.name}:8080\\s+│ off\\s+│ active │`));
    expect(await home().run(['proxies', 'rm', hostName, 'web.test', '-y'])).toMatchObject({ code: 0 });
  });

  it('asks before removing a proxy host, then nginx no longer serves it', async () => {
    const unanswered = await home().run(['proxies', 'rm', hostName, 'bücher.test']);
    expect(unanswered.code).toBe(1);
    expect(unanswered.stderr).toContain(`Remove proxy host xn--bcher-kva.test on ${hostName}? [y/N] `);
    expect(await proxyHostOf('xn--bcher-kva.test')).toBeDefined();

    expect(await home().run(['proxies', 'rm', hostName, 'bücher.test'], { stdin: 'y\n' })).toMatchObject({ code: 0, stdout: `Removed xn--bcher-kva.test from ${hostName}.\n` });
    expect(await home().run(['proxies', 'rm', hostName, domain, '--yes'])).toMatchObject({ code: 0, stdout: `Removed ${domain} from ${hostName}.\n` });
    expect(await request()).toMatchObject({ status: 404, body: `${NO_PROXY_HOST_BODY}\n` });
    expect(await home().run(['proxies', 'ls'])).toMatchObject({ code: 0, stdout: '', stderr: '(none)\n' });
  });
});

describe('infrapilot proxies rm --force on a host that went offline', () => {
  const { server, home } = useSignedInAdmin();
  const hostName = uniqueName('cli-offline');
  let nginx: TestNginx | undefined;
  let host: ProxyTestAgent | undefined;

  beforeAll(async () => {
    nginx = await startTestNginx();
    host = await startProxyAgent(server().admin, hostName, { nginx });
    await proxyReported(server().admin, host.agentId);
  });

  afterAll(async () => {
    await host?.destroy();
    await nginx?.stop();
  });

  it('refuses while the host cannot remove the file, and removes the settings with --force', async () => {
    const agent = host!;
    // Nothing listens on port 9; nginx needs no answer from it to take the file.
    expect(await home().run(['proxies', 'add', hostName, 'gone.test', '--to', '127.0.0.1:9'])).toMatchObject({ code: 0 });
    await agent.runtime.stop();
    await eventually(async () => !(await server().admin.agents.get(agent.agentId)).connected, 'the server sees the host offline');

    const refused = await home().run(['proxies', 'rm', hostName, 'gone.test', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*\(agent_offline\)\n$/);
    expect((await server().admin.proxies.list({ agentId: agent.agentId })).items.map((proxyHost) => proxyHost.domain)).toEqual(['gone.test']);

    const forced = await home().run(['proxies', 'rm', hostName, 'gone.test', '--yes', '--force']);
    expect(forced).toMatchObject({ code: 0, stdout: `Removed gone.test from ${hostName}.\n`, stderr: '' });
    expect((await server().admin.proxies.list({ agentId: agent.agentId })).items).toEqual([]);
  });

  it('says what --force does in the help', async () => {
    const help = await home().run(['proxies', 'rm', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      "--force remove it even when the host is offline or its nginx unavailable: its settings go now, and the host's agent deletes the file when it reports it again",
    );
  });
});
