import { createHash } from 'node:crypto';
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ProxyApplyMode } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { parsePolicy, type AgentPolicy } from '../../policy.js';
import { docker, eventually, failureOf, removeContainers, startContainer, uniqueName } from '../../test-helpers/docker.js';
import { NO_PROXY_HOST_BODY, startTestNginx, type TestNginx } from '../../test-helpers/nginx.js';
import { createDocker, type AgentDocker } from '../docker/index.js';
import { createProxy, type AgentProxy } from './index.js';
import { certificatePathsOf, configPathOf, layoutOf } from './nginx/nginx-layout.js';
import { applyHost, filesUnder, hostSpec, httpdCommand, removeHost, selfSignedCertificate } from './test-helpers/proxy-test-kit.js';

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

describe('proxy.apply, proxy.remove and the proxy state against a real nginx and real containers', () => {
  let nginx: TestNginx;
  let policy: AgentPolicy;
  let agentDocker: AgentDocker;
  let proxy: AgentProxy;
  const containers: string[] = [];
  // One name per test file run: parallel files never share a domain or a container.
  const tag = uniqueName('px');
  const domain = (name: string) => `${name}-${tag}.test`;
  let internal: { name: string; ip: string };
  let published: { name: string; hostPort: string };

  /** Every file nginx reads from this instance's managed directories. */
  const managedFiles = () => filesUnder(policy.proxy.nginx.configDirectory, policy.proxy.nginx.certificateDirectory);

  const body = async (host: string, options: { https?: boolean; ca?: string } = {}) => (await nginx.request({ host, ...options })).body.trim();

  beforeAll(async () => {
    nginx = await startTestNginx();
    policy = parsePolicy({ proxy: nginx.proxyPolicy }, '/tmp/infrapilot-proxy-test.yaml');
    agentDocker = createDocker({ policy, logger: silentLogger });
    proxy = createProxy({ policy, logger: silentLogger, policyPath: '/tmp/infrapilot-proxy-test.yaml', containers: agentDocker.containers });

    const internalName = uniqueName('ip-upstream');
    const publishedName = uniqueName('ip-published');
    containers.push(internalName, publishedName);
    await startContainer(internalName, httpdCommand(`hello-${internalName}`));
    await startContainer(publishedName, httpdCommand(`hello-${publishedName}`), ['-p', '8080']);
    internal = { name: internalName, ip: await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', internalName]) };
    // "0.0.0.0:32768" (and "[::]:32768"): the host port Docker chose.
    const mapping = await docker(['port', publishedName, '8080/tcp']);
    published = { name: publishedName, hostPort: /:(\d+)\s*$/m.exec(mapping.split('\n')[0]!)![1]! };
  });

  afterAll(async () => {
    await removeContainers(containers);
    await proxy?.close();
    await agentDocker?.close();
    await nginx?.stop();
  });

  it('forwards a Host to a container by its IP and writes exactly the file it answers with', async () => {
    const spec = hostSpec(domain('app'), { container: internal.name, port: 8080 });
    const result = await applyHost(proxy, spec);

    expect(result.upstreamAddress).toBe(`${internal.ip}:8080`);
    expect(result.path).toBe(configPathOf(layoutOf(policy), spec.id));
    expect(result.testOutput).toMatch(/test is successful/);
    const onDisk = await readFile(result.path);
    expect(onDisk.toString('utf8')).toBe(result.config);
    expect(result.configHash).toBe(sha256(onDisk));
    expect(result.config).toContain(`proxy_pass http://${internal.ip}:8080;`);
    expect((await stat(result.path)).mode & 0o777).toBe(0o644);
    // The container's httpd may still be starting: nginx answers 502 until it listens.
    await eventually(async () => (await body(spec.domain)) === `hello-${internal.name}`, `${spec.domain} reaches ${internal.name}`);
  });

  it('forwards to the port a container publishes on this host, on loopback', async () => {
    const spec = hostSpec(domain('published'), { container: published.name, port: 8080 });
    const result = await applyHost(proxy, spec);
    expect(result.upstreamAddress).toBe(`127.0.0.1:${published.hostPort}`);
    await eventually(async () => (await body(spec.domain)) === `hello-${published.name}`, `${spec.domain} reaches ${published.name}`);
  });

  it('forwards to an address upstream', async () => {
    const spec = hostSpec(domain('address'), { host: internal.ip, port: 8080 });
    const result = await applyHost(proxy, spec);
    expect(result.upstreamAddress).toBe(`${internal.ip}:8080`);
    await eventually(async () => (await body(spec.domain)) === `hello-${internal.name}`, `${spec.domain} reaches ${internal.ip}`);
  });

  it('refuses a config nginx rejects with proxy_config_invalid, leaving every file as it was and the other hosts serving', async () => {
    const good = hostSpec(domain('good'), { container: internal.name, port: 8080 });
    await applyHost(proxy, good);
    await eventually(async () => (await body(good.domain)) === `hello-${internal.name}`, `${good.domain} serves`);
    const before = await managedFiles();

    // Passes validation (a well-formed hostname), but nginx cannot resolve it.
    const bad = hostSpec(domain('bad'), { host: 'nosuchhost.invalid', port: 80 });
    const refusal = await failureOf(applyHost(proxy, bad));
    expect(refusal.code).toBe('proxy_config_invalid');
    expect(refusal.message).toMatch(/host not found in upstream "nosuchhost\.invalid/);
    expect(await managedFiles()).toEqual(before);

    // The same for an existing host whose new version nginx refuses: its old file stays.
    const refusedUpdate = await failureOf(applyHost(proxy, { ...good, upstream: { ...good.upstream!, container: '', host: 'nosuchhost.invalid' } }));
    expect(refusedUpdate.code).toBe('proxy_config_invalid');
    expect(await managedFiles()).toEqual(before);

    expect(await body(good.domain)).toBe(`hello-${internal.name}`);
    expect((await nginx.request({ host: bad.domain })).body.trim()).toBe(NO_PROXY_HOST_BODY);
  });

  it('sends upstream Connection: upgrade for a websocket handshake and close otherwise, never what else the client put there', async () => {
    // An upstream that reports the Connection header it received, in the body or, for a
    // handshake it accepts (101), in a response header.
    const echo = createServer((request, response) => response.end(request.headers.connection ?? ''));
    echo.on('upgrade', (request, socket) => {
      socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Upstream-Connection: ${request.headers.connection ?? ''}\r\n\r\n`);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const spec = hostSpec(domain('websocket'), { host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
      await applyHost(proxy, spec);
      // A browser's handshake (Firefox sends "keep-alive, Upgrade").
      const handshake = await new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
        const request = httpRequest({
          host: '127.0.0.1',
          port: nginx.httpPort,
          agent: false,
          headers: { host: spec.domain, connection: 'keep-alive, Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
        });
        request.on('upgrade', (response, socket) => {
          socket.destroy();
          resolve({ status: response.statusCode ?? 0, headers: response.headers });
        });
        request.on('response', (response) => reject(new Error(`expected 101, got ${response.statusCode}`)));
        request.on('error', reject);
        request.end();
      });
      expect(handshake.status).toBe(101);
      expect(handshake.headers['x-upstream-connection']).toBe('upgrade');

      const plain = await new Promise<string>((resolve, reject) => {
        const request = httpRequest({ host: '127.0.0.1', port: nginx.httpPort, agent: false, headers: { host: spec.domain, connection: 'keep-alive, X-Secret' } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            response.socket?.destroy();
            resolve(Buffer.concat(chunks).toString('utf8'));
          });
        });
        request.on('error', reject);
        request.end();
      });
      expect(plain).toBe('close');
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it('refuses a host whose domain a hand-written server block already answers for, and only that domain', async () => {
    // nginx -t passes with a warning and nginx would ignore one of the two server blocks.
    const taken = domain('taken');
    const twice = domain('twice');
    const handWritten = join(policy.proxy.nginx.configDirectory, `hand-written-${tag}.conf`);
    const serverBlock = (name: string) => `server {\n    listen 127.0.0.1:${nginx.httpPort};\n    server_name ${name};\n    return 200 "hand-written\\n";\n}\n`;
    // `twice` is claimed by two hand-written blocks: a conflict that is none of InfraPilot's business.
    await writeFile(handWritten, [serverBlock(taken), serverBlock(twice), serverBlock(twice)].join(''), { mode: 0o644 });
    try {
      const before = await managedFiles();
      const spec = hostSpec(taken, { container: internal.name, port: 8080 });
      for (const mode of [ProxyApplyMode.APPLY, ProxyApplyMode.TEST]) {
        const refusal = await failureOf(applyHost(proxy, spec, mode));
        expect(refusal.code).toBe('proxy_config_invalid');
        expect(refusal.message).toMatch(new RegExp(`\\[warn\\].*conflicting server name "${taken.replaceAll('.', '\\.')}" on 127\\.0\\.0\\.1:${nginx.httpPort}, ignored`));
        expect(refusal.message).toMatch(new RegExp(`Another server block in nginx's configuration already answers for ${taken.replaceAll('.', '\\.')} `));
        expect(refusal.message).not.toContain(twice);
        expect(await managedFiles()).toEqual(before);
      }

      // Another domain goes live although nginx warns about `twice`.
      const other = hostSpec(domain('beside'), { container: internal.name, port: 8080 });
      const applied = await applyHost(proxy, other);
      expect(applied.testOutput).toContain(`conflicting server name "${twice}"`);
      await eventually(async () => (await body(other.domain)) === `hello-${internal.name}`, `${other.domain} serves`);
    } finally {
      await rm(handWritten, { force: true });
    }
  });

  it('TEST runs nginx -t on the candidate and puts every file back, whether it passes or not', async () => {
    const existing = hostSpec(domain('tested'), { container: internal.name, port: 8080 });
    await applyHost(proxy, existing);
    const before = await managedFiles();

    const changed = await applyHost(proxy, { ...existing, clientMaxBodySizeMb: 1 }, ProxyApplyMode.TEST);
    expect(changed.testOutput).toMatch(/syntax is ok/);
    expect(changed.config).toContain('client_max_body_size 1m;');
    const candidate = hostSpec(domain('candidate'), { host: internal.ip, port: 8080 });
    await applyHost(proxy, candidate, ProxyApplyMode.TEST);
    expect(await managedFiles()).toEqual(before);

    const refusal = await failureOf(applyHost(proxy, hostSpec(domain('candidate-bad'), { host: 'nosuchhost.invalid', port: 80 }), ProxyApplyMode.TEST));
    expect(refusal.code).toBe('proxy_config_invalid');
    expect(await managedFiles()).toEqual(before);
    expect((await nginx.request({ host: candidate.domain })).body.trim()).toBe(NO_PROXY_HOST_BODY);
  });

  it('RENDER answers with the file it would write and touches nothing', async () => {
    const before = await managedFiles();
    const spec = hostSpec(domain('rendered'), { container: internal.name, port: 8080 });
    const result = await applyHost(proxy, spec, ProxyApplyMode.RENDER);
    expect(result.config).toMatch(/^# Managed by InfraPilot: proxy host /);
    expect(result.configHash).toBe(sha256(result.config));
    expect(result.path).toBe(configPathOf(layoutOf(policy), spec.id));
    expect(result.upstreamAddress).toBe(`${internal.ip}:8080`);
    expect(result.testOutput).toBe('');
    expect(await managedFiles()).toEqual(before);
  });

  it('serves HTTPS with the deployed certificate, redirects HTTP, and removes config, certificate and key on remove', async () => {
    const name = domain('secure');
    const certificate = await selfSignedCertificate(name);
    const spec = hostSpec(name, { container: internal.name, port: 8080 }, {
      ssl: true,
      forceSsl: true,
      http2: true,
      headers: { hsts: true, hstsMaxAgeSeconds: 600 },
      certificate,
    });
    const result = await applyHost(proxy, spec);
    const paths = certificatePathsOf(layoutOf(policy), spec.id);
    expect(result.certificatePath).toBe(paths.certificate);
    expect(result.privateKeyPath).toBe(paths.privateKey);
    expect(await readFile(paths.certificate, 'utf8')).toBe(certificate.certificatePem);
    expect((await stat(paths.privateKey)).mode & 0o777).toBe(0o600);

    const plain = await nginx.request({ host: name, path: '/some/page?x=1' });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://${name}:${nginx.httpsPort}/some/page?x=1`);
    const secure = await eventually(async () => {
      const response = await nginx.request({ host: name, https: true, ca: certificate.certificatePem });
      return response.body.trim() === `hello-${internal.name}` && response;
    }, `https://${name} reaches the container`);
    expect(secure.headers['strict-transport-security']).toBe('max-age=600');
    expect(new X509Certificate(secure.peerCertificate!.raw).fingerprint256).toBe(new X509Certificate(certificate.certificatePem).fingerprint256);

    // Serving plain HTTP again: the certificate and key do not stay behind.
    await applyHost(proxy, { ...spec, ssl: false, certificate: undefined });
    await expect(stat(paths.privateKey)).rejects.toThrow(/ENOENT/);
    expect((await nginx.request({ host: name })).body.trim()).toBe(`hello-${internal.name}`);

    await applyHost(proxy, spec);
    expect(await removeHost(proxy, spec.id)).toMatchObject({ removed: true });
    for (const path of [result.path, paths.certificate, paths.privateKey]) await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect((await nginx.request({ host: name })).body.trim()).toBe(NO_PROXY_HOST_BODY);
    expect(await removeHost(proxy, spec.id)).toMatchObject({ removed: false });
  });

  it('reports every managed file with the hash the apply answered, and a hand edit as a different hash', async () => {
    const spec = hostSpec(domain('drift'), { host: internal.ip, port: 8080 });
    const result = await applyHost(proxy, spec);
    const state = await proxy.state.state();
    expect(state).toMatchObject({
      available: true,
      problem: '',
      server: 'nginx',
      running: true,
      configDirectory: policy.proxy.nginx.configDirectory,
      httpPort: nginx.httpPort,
      httpsPort: nginx.httpsPort,
    });
    expect(state.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(state.files.find((file) => file.proxyHostId === spec.id)).toMatchObject({ path: result.path, sha256: result.configHash });

    await appendFile(result.path, '# a hand edit\n');
    const edited = await proxy.state.state();
    const reported = edited.files.find((file) => file.proxyHostId === spec.id);
    expect(reported?.sha256).not.toBe(result.configHash);
    expect(reported?.sha256).toBe(sha256(await readFile(result.path)));

    // The next save replaces the edit with the managed file again.
    await applyHost(proxy, spec);
    expect((await proxy.state.state()).files.find((file) => file.proxyHostId === spec.id)?.sha256).toBe(result.configHash);
  });

  it('answers not_found for a container that does not exist and conflict for one that is not running', async () => {
    const missing = await failureOf(applyHost(proxy, hostSpec(domain('missing'), { container: uniqueName('ip-nosuch'), port: 8080 })));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toMatch(/^No container "ip-nosuch-[0-9a-f]+" on this host$/);

    const stoppedName = uniqueName('ip-stopped');
    containers.push(stoppedName);
    await startContainer(stoppedName, httpdCommand('stopped'), [], { created: true });
    const stopped = await failureOf(applyHost(proxy, hostSpec(domain('stopped'), { container: stoppedName, port: 8080 })));
    expect(stopped.code).toBe('conflict');
    expect(stopped.message).toMatch(/is not running/);
  });

  it('applies hosts sent at the same time one after the other, so none undoes another', async () => {
    const specs = ['one', 'two', 'three'].map((name) => hostSpec(domain(`together-${name}`), { host: internal.ip, port: 8080 }));
    const bad = hostSpec(domain('together-bad'), { host: 'nosuchhost.invalid', port: 80 });
    const outcomes = await Promise.allSettled([...specs, bad].map((spec) => applyHost(proxy, spec)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    const reported = new Map((await proxy.state.state()).files.map((file) => [file.proxyHostId, file.sha256]));
    for (const [index, spec] of specs.entries()) {
      expect(reported.get(spec.id)).toBe((outcomes[index] as PromiseFulfilledResult<{ configHash: string }>).value.configHash);
      expect(await body(spec.domain)).toBe(`hello-${internal.name}`);
    }
    expect(reported.has(bad.id)).toBe(false);
  });

  it('refuses an invalid spec before touching anything', async () => {
    const before = await managedFiles();
    const refusal = await failureOf(applyHost(proxy, hostSpec('bad;domain.test', { host: internal.ip, port: 8080 })));
    expect(refusal.code).toBe('invalid_argument');
    expect(refusal.message).toMatch(/^domain /);
    expect(await managedFiles()).toEqual(before);
  });
});
