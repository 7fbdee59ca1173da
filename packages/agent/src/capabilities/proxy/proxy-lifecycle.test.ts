import { access, chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, type AgentLogger } from '../../logger.js';
import { parsePolicy, type AgentPolicy } from '../../policy.js';
import { eventually, failureOf, removeContainers, startContainer, uniqueName } from '../../test-helpers/docker.js';
import { NO_PROXY_HOST_BODY, freeLoopbackPorts, startTestNginx, type TestNginx } from '../../test-helpers/nginx.js';
import { createDocker, type AgentDocker } from '../docker/index.js';
import { createProxy, type AgentProxy } from './index.js';
import { challengePathOf, configPathOf, layoutOf } from './nginx/nginx-layout.js';
import { applyHost, challenge, filesUnder, hostSpec, httpdCommand, removeHost, selfSignedCertificate } from './test-helpers/proxy-test-kit.js';

const POLICY_PATH = '/tmp/infrapilot-proxy-lifecycle.yaml';

describe('the proxy capability around nginx itself', () => {
  const nginxes: TestNginx[] = [];
  const proxies: AgentProxy[] = [];
  const containers: string[] = [];
  const tag = uniqueName('lc');
  const domain = (name: string) => `${name}-${tag}.test`;
  let agentDocker: AgentDocker;
  let upstream: string;

  async function nginxWithProxy(
    options: { start?: boolean; policy?: (policy: AgentPolicy['proxy']) => AgentPolicy['proxy']; settleTimeoutMs?: number; logger?: AgentLogger } = {},
  ) {
    const nginx = await startTestNginx({ start: options.start ?? true });
    nginxes.push(nginx);
    const policy = parsePolicy({ proxy: options.policy ? options.policy(nginx.proxyPolicy) : nginx.proxyPolicy }, POLICY_PATH);
    const proxy = createProxy({
      policy,
      logger: options.logger ?? silentLogger,
      policyPath: POLICY_PATH,
      containers: agentDocker.containers,
      ...(options.settleTimeoutMs ? { settleTimeoutMs: options.settleTimeoutMs } : {}),
    });
    proxies.push(proxy);
    return { nginx, policy, proxy };
  }

  beforeAll(async () => {
    agentDocker = createDocker({ policy: parsePolicy({}, POLICY_PATH), logger: silentLogger });
    upstream = uniqueName('lc-upstream');
    containers.push(upstream);
    await startContainer(upstream, httpdCommand(`hello-${upstream}`));
  });

  afterAll(async () => {
    await removeContainers(containers);
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await agentDocker?.close();
    await Promise.all(nginxes.map((nginx) => nginx.stop()));
  });

  it('starts nginx on the first apply when it is not running', async () => {
    const { nginx, proxy } = await nginxWithProxy({ start: false });
    expect(await nginx.running()).toBe(false);
    expect(await proxy.state.state()).toMatchObject({ available: true, running: false, files: [] });

    const spec = hostSpec(domain('started'), { container: upstream, port: 8080 });
    await applyHost(proxy, spec);
    expect(await nginx.running()).toBe(true);
    expect((await proxy.state.state()).running).toBe(true);
    await eventually(async () => (await nginx.request({ host: spec.domain })).body.trim() === `hello-${upstream}`, `${spec.domain} served by the nginx the agent started`);
  });

  it('answers proxy_unavailable, saying how to fix it, when nginx is not installed', async () => {
    const { proxy } = await nginxWithProxy({
      start: false,
      policy: (proxyPolicy) => ({ ...proxyPolicy, nginx: { ...proxyPolicy.nginx, test: ['/nonexistent/sbin/nginx', '-t'] } }),
    });
    const spec = hostSpec(domain('nowhere'), { container: upstream, port: 8080 });
    const refusal = await failureOf(applyHost(proxy, spec));
    expect(refusal.code).toBe('proxy_unavailable');
    expect(refusal.message).toBe(
      `nginx is not installed (/nonexistent/sbin/nginx not found); install Debian's nginx package or set proxy.nginx.test in ${POLICY_PATH}`,
    );
    expect((await failureOf(removeHost(proxy, spec.id))).code).toBe('proxy_unavailable');
    expect((await failureOf(challenge(proxy, 'token', 'token.thumbprint'))).code).toBe('proxy_unavailable');

    const state = await proxy.state.state();
    expect(state).toMatchObject({ available: false, running: false, version: '', server: 'nginx' });
    expect(state.problem).toMatch(/^nginx is not installed \(\/nonexistent\/sbin\/nginx not found\)/);
  });

  it('serves an ACME answer from the webroot over HTTP, also for a host that forces HTTPS, until it is removed', async () => {
    const { nginx, policy, proxy } = await nginxWithProxy();
    const name = domain('acme');
    await applyHost(proxy, hostSpec(name, { container: upstream, port: 8080 }, { ssl: true, forceSsl: true, certificate: await selfSignedCertificate(name) }));

    const token = 'Zm9v_YmFy-token';
    const keyAuthorization = `${token}.dGh1bWJwcmludA`;
    await challenge(proxy, token, keyAuthorization);
    const path = challengePathOf(layoutOf(policy), token);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    // nginx's workers run as nobody: every level of the webroot must be traversable.
    for (const directory of [policy.proxy.nginx.challengeDirectory, `${policy.proxy.nginx.challengeDirectory}/.well-known`, `${policy.proxy.nginx.challengeDirectory}/.well-known/acme-challenge`]) {
      expect((await stat(directory)).mode & 0o755).toBe(0o755);
    }
    const answer = await nginx.request({ host: name, path: `/.well-known/acme-challenge/${token}` });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(keyAuthorization);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    // Everything else on that host still goes to HTTPS.
    expect((await nginx.request({ host: name, path: '/' })).status).toBe(301);

    await challenge(proxy, token, '', true);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
    expect((await nginx.request({ host: name, path: `/.well-known/acme-challenge/${token}` })).status).toBe(404);
  });

  it('refuses a challenge token or key authorization that is not base64url', async () => {
    const { proxy } = await nginxWithProxy();
    for (const [token, keyAuthorization] of [
      ['../../etc/passwd', 'x.y'],
      ['tok en', 'x.y'],
      ['', 'x.y'],
      ['token', 'x.y\nserver { }'],
      ['token', ''],
    ] as const) {
      const refusal = await failureOf(challenge(proxy, token, keyAuthorization));
      expect(refusal.code).toBe('invalid_argument');
    }
  });

  it('puts the previous files back when nginx cannot load a tested config (its port is taken) and keeps serving', async () => {
    // Another program holds the port the HTTPS server block would listen on: nginx -t
    // (which does not bind) passes, the reload fails, and nginx keeps its old configuration.
    const [takenPort] = await freeLoopbackPorts(1);
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(takenPort, '127.0.0.1', resolve));
    try {
      const { nginx, policy, proxy } = await nginxWithProxy({ settleTimeoutMs: 3_000 });
      const first = hostSpec(domain('first'), { container: upstream, port: 8080 });
      await applyHost(proxy, first);
      await eventually(async () => (await nginx.request({ host: first.domain })).body.trim() === `hello-${upstream}`, `${first.domain} serves`);

      const logged: string[] = [];
      const blocked = createProxy({
        policy: parsePolicy({ proxy: { ...nginx.proxyPolicy, nginx: { ...nginx.proxyPolicy.nginx, httpsPort: takenPort } } }, POLICY_PATH),
        logger: { info: (line) => logged.push(line), warn: (line) => logged.push(line), error: (line) => logged.push(line) },
        containers: agentDocker.containers,
        settleTimeoutMs: 3_000,
      });
      proxies.push(blocked);
      const before = await filesUnder(policy.proxy.nginx.configDirectory, policy.proxy.nginx.certificateDirectory);
      const name = domain('blocked');
      const failure = await failureOf(applyHost(blocked, hostSpec(name, { container: upstream, port: 8080 }, { ssl: true, certificate: await selfSignedCertificate(name) })));
      expect(failure.code).toBe('failed');
      expect(failure.message).toMatch(/did not load the new configuration/);
      expect(await filesUnder(policy.proxy.nginx.configDirectory, policy.proxy.nginx.certificateDirectory)).toEqual(before);

      // nginx was reloaded once more with the restored files, so it runs what is on disk.
      expect(logged).toContain('nginx reloaded the restored files');
      expect((await nginx.request({ host: first.domain })).body.trim()).toBe(`hello-${upstream}`);
      expect((await nginx.request({ host: name })).body.trim()).toBe(NO_PROXY_HOST_BODY);
      // And it takes the next change as usual.
      const next = hostSpec(domain('after-blocked'), { container: upstream, port: 8080 });
      await applyHost(proxy, next);
      await eventually(async () => (await nginx.request({ host: next.domain })).body.trim() === `hello-${upstream}`, `${next.domain} serves`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('reloads nginx with the restored files when a reload nginx took is reported as failed', async () => {
    // The policy's reload program reloads the real nginx; while the flag file exists it
    // then waits until nginx has new workers (it took the new files) and exits 1 anyway,
    // as a reload command that reports an error after signalling nginx does.
    const logged: string[] = [];
    const logger: AgentLogger = { info: (line) => logged.push(line), warn: (line) => logged.push(line), error: (line) => logged.push(line) };
    let script = '';
    const { nginx, policy, proxy } = await nginxWithProxy({
      logger,
      policy: (proxyPolicy) => {
        script = join(dirname(proxyPolicy.nginx.pidFile), 'reload-then-fail.sh');
        return { ...proxyPolicy, nginx: { ...proxyPolicy.nginx, reload: [script] } };
      },
    });
    const flag = `${nginx.prefix}/fail-next-reload`;
    const quoted = (argv: readonly string[]) => argv.map((arg) => `'${arg}'`).join(' ');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        `master=$(cat '${policy.proxy.nginx.pidFile}')`,
        'before=" $(pgrep -P "$master" | tr \'\\n\' \' \') "',
        `${quoted(nginx.proxyPolicy.nginx.reload)} || exit $?`,
        `[ -e '${flag}' ] || exit 0`,
        `rm -f '${flag}'`,
        'i=0',
        'while [ $i -lt 400 ]; do',
        '  for pid in $(pgrep -P "$master"); do',
        '    case "$before" in *" $pid "*) ;; *) echo "reload reported as failed after nginx took it" >&2; exit 1 ;; esac',
        '  done',
        '  sleep 0.05; i=$((i + 1))',
        'done',
        'echo "nginx started no new workers" >&2; exit 1',
        '',
      ].join('\n'),
    );
    await chmod(script, 0o755);

    const first = hostSpec(domain('kept'), { container: upstream, port: 8080 });
    await applyHost(proxy, first);
    await eventually(async () => (await nginx.request({ host: first.domain })).body.trim() === `hello-${upstream}`, `${first.domain} serves`);

    await writeFile(flag, '');
    const second = hostSpec(domain('untaken'), { container: upstream, port: 8080 });
    const failure = await failureOf(applyHost(proxy, second));
    expect(failure.code).toBe('failed');
    expect(failure.message).toMatch(/^nginx reload failed: [^]*reload reported as failed after nginx took it/);
    await expect(access(flag)).rejects.toThrow(/ENOENT/);
    await expect(stat(configPathOf(layoutOf(policy), second.id))).rejects.toThrow(/ENOENT/);

    // nginx had loaded the second host; the agent reloaded it with what is on disk again.
    await eventually(async () => (await nginx.request({ host: second.domain })).body.trim() === NO_PROXY_HOST_BODY, `${second.domain} no longer served`);
    expect((await nginx.request({ host: first.domain })).body.trim()).toBe(`hello-${upstream}`);
    expect(logged).toContain('nginx reloaded the restored files');
  });
});
