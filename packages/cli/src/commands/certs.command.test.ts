import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InfraPilotClient } from '@infrapilot/client';
import type { Certificate, ProxyHost } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../../server/src/test-helpers/docker.js';
import { startPebble, type TestPebble } from '../../../server/src/test-helpers/pebble.js';
import { type ProxyTestAgent, proxyReported, startProxyAgent, startTestNginx, type TestNginx } from '../../../server/src/test-helpers/proxy.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../server/src/test-helpers/test-server.js';
import { CliRuntime } from '../cli-runtime.js';
import { Output } from '../output.js';
import { sampleProxyHost } from '../test-helpers/proxy-host.js';
import { type CliHome, createCliHome } from '../test-helpers/run-cli.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';
import { findCertificate, requestCertificate } from './certs.command.js';

const run = promisify(execFile);
const UPSTREAM_BODY = 'hello from the upstream';

/** A self-signed certificate and key made by openssl, a witness independent of the server's own PEM code. */
async function opensslPair(directory: string, domain: string): Promise<{ cert: string; key: string }> {
  const cert = join(directory, `${domain}.crt`);
  const key = join(directory, `${domain}.key`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${domain}`, '-addext', `subjectAltName=DNS:${domain}`,
  ]);
  return { cert, key };
}

describe('infrapilot certs against a real server', () => {
  const { server, home } = useSignedInAdmin();
  let directory = '';
  let lab: { cert: string; key: string };
  let other: { cert: string; key: string };

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'infrapilot-cli-certs-'));
    lab = await opensslPair(directory, 'lab.test');
    other = await opensslPair(directory, 'other.test');
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  const listed = async (): Promise<Certificate[]> => JSON.parse((await home().run(['certs', 'ls', '--json'])).stdout).items;

  it('uploads a certificate and its key from files and lists it with its expiry', async () => {
    const uploaded = await home().run(['certs', 'upload', '--cert', lab.cert, '--key', lab.key, '--name', 'lab']);
    expect(uploaded.code).toBe(0);
    expect(uploaded.stdout).toMatch(/^Uploaded [0-9a-f-]{36}: Certificate lab \(uploaded\) for lab\.test, issued by CN=lab\.test.*, expires \d{4}-\d{2}-\d{2} \(\d+ days left\)\.\n$/);

    const list = await home().run(['certs', 'ls']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ id\s+│ name\s+│ domains\s+│ source\s+│ status\s+│ expires\s+│ used by\s+│/);
    expect(list.stdout).toMatch(/│ [0-9a-f-]{36} │ lab\s+│ lab\.test\s+│ uploaded │ valid\s+│ \d{4}-\d{2}-\d{2} \(\d+ days left\) │\s+│/);
  });

  it('reads one of the two PEMs from stdin, naming the certificate after its domain', async () => {
    const uploaded = await home().run(['certs', 'upload', '--cert', '-', '--key', other.key, '--json'], { stdin: readFileSync(other.cert, 'utf8') });
    expect(uploaded.code).toBe(0);
    expect(JSON.parse(uploaded.stdout)).toMatchObject({ name: 'other.test', domains: ['other.test'], source: 'uploaded', status: 'valid' });
    expect(await home().run(['certs', 'upload', '--cert', '-', '--key', '-'])).toMatchObject({ code: 1, stderr: 'error: only one of --cert and --key can read stdin\n' });
  });

  it('says which file is missing or not PEM, before sending anything', async () => {
    const missing = join(directory, 'nothing.crt');
    expect(await home().run(['certs', 'upload', '--cert', missing, '--key', lab.key])).toMatchObject({ code: 1, stderr: `error: cannot read ${missing}: no such file\n` });
    const text = join(directory, 'notes.txt');
    writeFileSync(text, 'not a certificate\n');
    expect(await home().run(['certs', 'upload', '--cert', lab.cert, '--key', text])).toMatchObject({ code: 1, stderr: `error: --key ${text}: must be PEM ("-----BEGIN ...")\n` });
  });

  it("prints the server's reason when a key does not match its certificate", async () => {
    const mismatched = await home().run(['certs', 'upload', '--cert', lab.cert, '--key', other.key]);
    // Said once: the server's message names the field, its detail the same reason under body.certificatePem.
    expect(mismatched).toMatchObject({ code: 1, stderr: 'error: certificatePem: the private key does not belong to the (first) certificate (validation_failed)\n' });
  });

  it('asks before removing and removes only on yes', async () => {
    const made = await server().admin.certificates.createSelfSigned({ name: 'doomed', domains: ['doomed.test'] });

    // No answer (stdin closed, as in a script): nothing is removed, and --yes is named.
    const unanswered = await home().run(['certs', 'rm', 'doomed']);
    expect(unanswered).toMatchObject({ code: 1, stderr: 'Remove certificate doomed (doomed.test)? [y/N] \nerror: not removed: no answer to the confirmation; pass --yes to remove without asking\n' });
    expect(await home().run(['certs', 'rm', 'doomed'], { stdin: 'n\n' })).toMatchObject({ code: 1, stderr: expect.stringContaining('error: not removed\n') });
    expect((await listed()).map((certificate) => certificate.id)).toContain(made.id);

    const removed = await home().run(['certs', 'rm', 'DOOMED'], { stdin: 'yes\n' });
    expect(removed).toMatchObject({ code: 0, stdout: `Removed certificate doomed (${made.id}).\n` });
    expect((await listed()).map((certificate) => certificate.id)).not.toContain(made.id);
  });

  it('removes by id without asking with --yes', async () => {
    const made = await server().admin.certificates.createSelfSigned({ domains: ['quick.test'] });
    expect(await home().run(['certs', 'rm', made.id, '--yes', '--json'])).toMatchObject({ code: 0, stdout: `${JSON.stringify({ ok: true }, null, 2)}\n` });
    expect(await home().run(['certs', 'rm', 'no-such-cert', '-y'])).toMatchObject({ code: 1, stderr: 'error: no certificate "no-such-cert" in this org; see `infrapilot certs ls`\n' });
  });
});

describe('findCertificate', () => {
  const certificate = (id: string, name: string) => ({ id, name }) as Certificate;
  const certificates = [certificate('id-1', 'lab'), certificate('id-2', 'shared'), certificate('id-3', 'shared')];

  it('finds by id, then name, then name in any case', () => {
    expect(findCertificate(certificates, 'id-3').id).toBe('id-3');
    expect(findCertificate(certificates, 'lab').id).toBe('id-1');
    expect(findCertificate(certificates, 'LAB').id).toBe('id-1');
  });

  it('refuses a name two certificates share, with their ids', () => {
    expect(() => findCertificate(certificates, 'shared')).toThrow('several certificates are called "shared" (id-2, id-3); name one by its id');
    expect(() => findCertificate([], 'lab')).toThrow('no certificate "lab": this org has none yet');
  });
});

describe('requestCertificate with ACME', () => {
  // The ACME flow end to end needs a test server configured with pebble (see the report);
  // here a scripted client plays the API so the waiting and its messages are pinned down.
  const HOST = { id: '0190a8b0-0000-7000-8000-000000000001', name: 'web-1' };
  const CERTIFICATE_ID = '0190a8b0-0000-7000-8000-0000000000cc';
  // The server's times: the proxy host was last changed before the order, which ended (valid) at ISSUED_AT.
  const BEFORE_ORDER = '2030-05-01T10:00:00.000Z';
  const ISSUED_AT = '2030-05-01T10:00:05.000Z';
  const AFTER_ISSUE = '2030-05-01T10:00:06.000Z';
  const proxyHost = (changes: Partial<ProxyHost>) =>
    sampleProxyHost({ domain: 'app.test', upstream: { kind: 'address', scheme: 'http', host: '10.0.0.5', port: 80 }, updatedAt: BEFORE_ORDER, ...changes });
  const certificate = (status: Certificate['status'], changes: Partial<Certificate> = {}) =>
    ({ id: CERTIFICATE_ID, name: 'app.test', domains: ['app.test'], source: 'acme', status, issuer: 'Pebble Intermediate CA', expiresAt: status === 'valid' ? '2099-01-01T00:00:00.000Z' : null, daysLeft: status === 'valid' ? 80 : null, lastError: null, proxyHosts: [], updatedAt: status === 'pending' ? BEFORE_ORDER : ISSUED_AT, ...changes }) as Certificate;
  const served = () => proxyHost({ certificateId: CERTIFICATE_ID, sslEnabled: true, certificate: certificate('valid'), updatedAt: AFTER_ISSUE });

  /**
   * A client whose certificate answers `statuses` in turn, and whose proxy host answers
   * `looks` in turn (by default: not yet redeployed, then serving the certificate).
   */
  function scriptedClient(statuses: Certificate[], looks: ProxyHost[] = [proxyHost({ certificateId: CERTIFICATE_ID }), served()]): { client: InfraPilotClient; calls: string[] } {
    const calls: string[] = [];
    const client = {
      proxies: {
        requestSsl: async (_agentId: string, _id: string, body: unknown) => {
          calls.push(`requestSsl ${JSON.stringify(body)}`);
          return proxyHost({ certificateId: CERTIFICATE_ID, certificate: { ...certificate('pending'), expiresAt: null } });
        },
        get: async () => {
          calls.push('proxies.get');
          return looks.length > 1 ? looks.shift()! : looks[0]!;
        },
      },
      certificates: {
        get: async () => {
          calls.push('certificates.get');
          return statuses.length > 1 ? statuses.shift()! : statuses[0]!;
        },
      },
    } as unknown as InfraPilotClient;
    return { client, calls };
  }

  function capture(): { cli: CliRuntime; output: Output; stdout: () => string; stderr: () => string } {
    let stdout = '';
    let stderr = '';
    const sink = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
    const cli = new CliRuntime({ ...sink, stdin: process.stdin, stdinIsTTY: false, env: { INFRAPILOT_CONFIG: '/nonexistent/config.json' }, homeDir: tmpdir() });
    return { cli, output: new Output(sink.stdout, sink.stderr, false), stdout: () => stdout, stderr: () => stderr };
  }

  it('waits while the order is pending, then until the proxy host serves the certificate', async () => {
    const { client, calls } = scriptedClient([certificate('pending'), certificate('pending'), certificate('valid')]);
    const { cli, output, stdout, stderr } = capture();
    const result = await requestCertificate(cli, client, output, HOST, proxyHost({}), 'acme', { wait: true });
    expect(result).toMatchObject({ certificateId: CERTIFICATE_ID, proxyHost: { sslEnabled: true }, certificate: { status: 'valid' } });
    expect(calls).toEqual(['requestSsl {"source":"acme"}', 'certificates.get', 'certificates.get', 'certificates.get', 'proxies.get', 'proxies.get']);
    expect(stderr()).toBe(
      'Waiting for the ACME CA to issue a certificate for app.test (Ctrl-C stops waiting; the order goes on)…\n..\n' +
        'Certificate app.test (ACME) for app.test, issued by Pebble Intermediate CA, expires 2099-01-01 (80 days left).\n',
    );
    expect(stdout()).toMatch(/^app\.test on web-1 → http:\/\/10\.0\.0\.5:80: HTTPS \(valid \d+d\), HTTP redirects to HTTPS\.\n$/);
  });

  it("fails with the CA's reason when the order fails, saying the host still serves HTTP", async () => {
    const { client } = scriptedClient([certificate('failed', { lastError: 'urn:ietf:params:acme:error:connection: connection refused' })]);
    const { cli, output } = capture();
    await expect(requestCertificate(cli, client, output, HOST, proxyHost({}), 'acme', { wait: true })).rejects.toThrow(
      'no certificate for app.test: urn:ietf:params:acme:error:connection: connection refused; it still serves HTTP; retry with `infrapilot certs issue web-1 app.test`',
    );
  });

  it('keeps waiting past an error older than the certificate: the redeploy that follows the issue replaces it', async () => {
    const oldError = proxyHost({ certificateId: CERTIFICATE_ID, status: 'error', lastError: 'an earlier change was refused', updatedAt: BEFORE_ORDER });
    const { client, calls } = scriptedClient([certificate('valid')], [oldError, oldError, served()]);
    const { cli, output } = capture();
    const result = await requestCertificate(cli, client, output, HOST, proxyHost({}), 'acme', { wait: true });
    expect(result.proxyHost).toMatchObject({ sslEnabled: true, status: 'active' });
    expect(calls.filter((call) => call === 'proxies.get')).toHaveLength(3);
  });

  it('stops at an error recorded since the certificate became valid (the same millisecond counts), with its reason', async () => {
    for (const failedAt of [AFTER_ISSUE, ISSUED_AT]) {
      const oldError = proxyHost({ certificateId: CERTIFICATE_ID, status: 'error', lastError: 'an earlier change was refused', updatedAt: BEFORE_ORDER });
      const freshError = proxyHost({ certificateId: CERTIFICATE_ID, status: 'error', lastError: 'nginx: [emerg] cannot load certificate', updatedAt: failedAt });
      const { client } = scriptedClient([certificate('valid')], [oldError, freshError]);
      const { cli, output } = capture();
      await expect(requestCertificate(cli, client, output, HOST, proxyHost({}), 'acme', { wait: true })).rejects.toThrow(
        'the certificate was issued but app.test could not serve it: nginx: [emerg] cannot load certificate',
      );
    }
  });

  it('returns once the order is placed with --no-wait', async () => {
    const { client, calls } = scriptedClient([certificate('pending')]);
    const { cli, output, stdout } = capture();
    const result = await requestCertificate(cli, client, output, HOST, proxyHost({}), 'acme', { wait: false });
    expect(result.certificateId).toBe(CERTIFICATE_ID);
    expect(calls).toEqual(['requestSsl {"source":"acme"}']);
    expect(stdout()).toBe('Requested a certificate for app.test from the ACME CA; follow it with `infrapilot certs ls`.\n');
  });
});

describe('infrapilot certs issue with ACME from pebble, through a real nginx', () => {
  const hostName = uniqueName('cli-acme');
  const domain = 'acme.test';
  let nginx: TestNginx | undefined;
  let pebble: TestPebble | undefined;
  let server: TestServer | undefined;
  let home: CliHome | undefined;
  let agent: ProxyTestAgent | undefined;
  let upstream: Server | undefined;
  let upstreamPort = 0;
  let pebbleRoot = '';
  let directory = '';
  let ticking: NodeJS.Timeout | undefined;
  /** While this file exists the agent's `nginx -t` takes 3 s longer (see beforeAll). */
  let slowTestFlag = '';

  const started = () => {
    if (!nginx || !server || !home || !agent) throw new Error('beforeAll did not finish');
    return { nginx, server, home, agent };
  };
  const proxyHost = async (): Promise<ProxyHost> => {
    const { server: running, agent: host } = started();
    const found = (await running.admin.proxies.list({ agentId: host.agentId })).items.find((candidate) => candidate.domain === domain);
    if (!found) throw new Error(`${domain} is not a proxy host of ${hostName}`);
    return found;
  };

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'infrapilot-cli-acme-'));
    nginx = await startTestNginx();
    // pebble resolves every name to 127.0.0.1 and validates HTTP-01 on this nginx's HTTP port.
    pebble = await startPebble({ httpPort: nginx.httpPort });
    pebbleRoot = await pebble.issuingRoot();
    server = await startTestServer('sqlite', undefined, { config: { acmeDirectoryUrl: pebble.directoryUrl, acmeCaFile: pebble.caFile } });
    // The test server's clock stands still unless moved; what is tested here compares two of
    // its timestamps (a proxy host's last change and its certificate's issue), so it moves
    // with real time, as a production clock does.
    let last = Date.now();
    ticking = setInterval(() => {
      const now = Date.now();
      server?.clock.advance(now - last);
      last = now;
    }, 5);

    home = createCliHome();
    expect((await home.run(['login', '--server', server.baseUrl, '--email', ADMIN_EMAIL, '--password', ADMIN_PASSWORD])).code).toBe(0);

    // The agent's `nginx -t` goes through a wrapper that can be slowed down: it stretches the
    // moment between a certificate becoming valid and the proxy host's redeploy, during
    // which the proxy host still shows what it showed before the order.
    slowTestFlag = join(directory, 'slow-nginx-test');
    const proxyPolicy = structuredClone(nginx.proxyPolicy);
    const [nginxBinary, ...testArguments] = proxyPolicy.nginx.test;
    const wrapper = join(directory, 'nginx-test');
    writeFileSync(wrapper, `#!/bin/sh\nif [ -e '${slowTestFlag}' ]; then sleep 3; fi\nexec '${nginxBinary}' "$@"\n`, { mode: 0o755 });
    proxyPolicy.nginx.test = [wrapper, ...testArguments];
    agent = await startProxyAgent(server.admin, hostName, { proxyPolicy });
    await proxyReported(server.admin, agent.agentId);

    upstream = createServer((_request, response) => response.end(UPSTREAM_BODY));
    await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
    expect((await home.run(['proxies', 'add', hostName, domain, '--to', `127.0.0.1:${upstreamPort}`])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    clearInterval(ticking);
    await agent?.destroy();
    home?.remove();
    await server?.destroy();
    await pebble?.stop();
    await nginx?.stop();
    await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('says why the proxy host could not serve a certificate it was just issued', async () => {
    // nginx -t reads the whole configuration: a broken file beside the managed one makes the redeploy fail.
    const broken = join(started().nginx.prefix, 'conf.d', 'zz-broken.conf');
    writeFileSync(broken, 'this_is_not_a_directive on;\n');
    try {
      const issued = await started().home.run(['certs', 'issue', hostName, domain]);
      expect(issued.code).toBe(1);
      expect(issued.stderr).toMatch(new RegExp(`\\nerror: the certificate was issued but ${domain.replace('.', '\\.')} could not serve it: .*unknown directive "this_is_not_a_directive".*\\n$`));
    } finally {
      rmSync(broken, { force: true });
    }
    expect(await proxyHost()).toMatchObject({ status: 'error', sslEnabled: false });
  }, 60_000);

  it('waits past that older error until the next certificate is served over HTTPS', async () => {
    writeFileSync(slowTestFlag, '');
    try {
      const issued = await started().home.run(['certs', 'issue', hostName, domain]);
      expect(issued).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^${domain.replace('.', '\\.')} on ${hostName} → http://127\\.0\\.0\\.1:${upstreamPort}: HTTPS \\(valid \\d+d\\), HTTP redirects to HTTPS\\.\\n$`)) });
      expect(issued.stderr).not.toContain('error:');
    } finally {
      rmSync(slowTestFlag, { force: true });
    }
    expect(await proxyHost()).toMatchObject({ status: 'active', sslEnabled: true, lastError: null });
    // A client trusting only pebble's root gets the upstream over HTTPS.
    const https = await started().nginx.request({ host: domain, https: true, ca: pebbleRoot });
    expect(https).toMatchObject({ status: 200, body: UPSTREAM_BODY });
    expect(https.peerCertificate?.issuer?.CN).toMatch(/^Pebble Intermediate CA/);
  }, 60_000);
});
