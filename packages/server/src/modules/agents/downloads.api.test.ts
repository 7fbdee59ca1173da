import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollment, eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const BUNDLE_SCRIPT = join(REPO_ROOT, 'packages/agent/scripts/bundle.mjs');
// The project's Node 24 first on PATH, as on a host that installed Node >= 22.
const PATH_WITH_NODE = `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const CA_HASH = `sha256:${'ab'.repeat(32)}`;
const TOKEN = `ipe_${'A'.repeat(43)}`;

type DownloadsServer = TestServer;

/** A test server that serves this agent bundle; its public URL names the port it bound. */
function startDownloadsServer(agentBundlePath: string): Promise<DownloadsServer> {
  return startTestServer('sqlite', undefined, { agentBundlePath });
}

interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runShell(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', args, { env: { ...process.env, PATH: PATH_WITH_NODE, ...options.env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function downloadsCounted(baseUrl: string): Promise<number> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const counts = metrics.matchAll(/^infrapilot_http_requests_total\{method="GET",route="\/downloads\/agent\.js",status_code="\d+"\} (\d+)$/gm);
  return [...counts].reduce((sum, match) => sum + Number(match[1]), 0);
}

function isRunning(pid: number): boolean {
  // An orphan may stay a zombie until something reaps it: that is not running.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('agent downloads', () => {
  let server: DownloadsServer;
  let workDir: string;
  let bundlePath: string;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'infrapilot-downloads-'));
    bundlePath = join(workDir, 'agent.bundle.js');
    server = await startDownloadsServer(bundlePath);
  });
  afterAll(async () => {
    await server?.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('serves /install.sh to anyone, naming the agent gRPC URL, as a script sh accepts', async () => {
    const enrollment = await createEnrollment(server.admin, 'script-check');
    const response = await fetch(`${server.baseUrl}/install.sh`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/x-shellscript/);
    const script = await response.text();
    expect(script).toContain(`DEFAULT_SERVER='${enrollment.serverUrl}'`);
    expect(script).toContain(`PUBLIC_URL='${server.baseUrl}'`);
    expect(script).not.toMatch(/@@[A-Z0-9_]+@@/);
    const syntax = await runShell(['-n'], { stdin: script });
    expect(syntax).toMatchObject({ code: 0, stderr: '' });
  });

  it('keeps the download routes outside /api/v1 and public', () => {
    const downloads = server.app.routes.filter((route) => route.url === '/install.sh' || route.url === '/downloads/agent.js');
    expect(downloads.map((route) => `${route.method} ${route.url}`).sort()).toEqual(['GET /downloads/agent.js', 'GET /install.sh']);
    expect(downloads.every((route) => route.access === 'public')).toBe(true);
  });

  it('answers 404 not_found telling to run npm run build while the bundle has not been built', async () => {
    rmSync(bundlePath, { force: true });
    const response = await fetch(`${server.baseUrl}/downloads/agent.js`);
    expect(response.status).toBe(404);
    const { error } = await response.json();
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('npm run build');
    expect(error.message).not.toContain(workDir);
    expect(await (await fetch(`${server.baseUrl}/install.sh`)).text()).toContain("AGENT_SHA256=''");
  });

  it('serves the bundle with its sha256, which /install.sh names, and follows a rebuild', async () => {
    for (const contents of ['#!/usr/bin/env node\nconsole.log("first build");\n', '#!/usr/bin/env node\nconsole.log("second build");\n']) {
      writeFileSync(bundlePath, contents);
      const response = await fetch(`${server.baseUrl}/downloads/agent.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/javascript/);
      expect(response.headers.get('x-checksum-sha256')).toBe(sha256(contents));
      expect(await response.text()).toBe(contents);
      expect(await (await fetch(`${server.baseUrl}/install.sh`)).text()).toContain(`AGENT_SHA256='${sha256(contents)}'`);
    }
  });

  it('answers 304 to a download whose ETag the caller already holds', async () => {
    writeFileSync(bundlePath, 'console.log("cached");\n');
    const first = await fetch(`${server.baseUrl}/downloads/agent.js`);
    const etag = first.headers.get('etag');
    expect(etag).toBe(`"sha256-${sha256('console.log("cached");\n')}"`);
    const again = await fetch(`${server.baseUrl}/downloads/agent.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('refuses a malformed token before downloading anything', async () => {
    writeFileSync(bundlePath, 'console.log("agent");\n');
    const prefix = join(workDir, 'bad-token');
    const before = await downloadsCounted(server.baseUrl);
    const result = await runShell([
      '-c',
      `curl -fsSL ${server.baseUrl}/install.sh | sh -s -- --token 'ipe_x;touch ${prefix}-pwned' --ca-hash ${CA_HASH} --prefix ${prefix} --state-dir ${prefix}/state --no-systemd`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--token must be an enrollment token');
    expect(existsSync(prefix)).toBe(false);
    expect(existsSync(`${prefix}-pwned`)).toBe(false);
    expect(await downloadsCounted(server.baseUrl)).toBe(before);
  });

  it('refuses to install an agent whose sha256 differs from the one the script names', async () => {
    writeFileSync(bundlePath, 'console.log("the build the script names");\n');
    const script = await (await fetch(`${server.baseUrl}/install.sh`)).text();
    writeFileSync(bundlePath, 'console.log("something else");\n');
    const prefix = join(workDir, 'tampered');
    const result = await runShell(['-s', '--', '--token', TOKEN, '--ca-hash', CA_HASH, '--prefix', prefix, '--state-dir', `${prefix}/state`, '--no-systemd'], {
      stdin: script,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`expected ${sha256('console.log("the build the script names");\n')}`);
    expect(existsSync(join(prefix, 'lib/infrapilot/agent.js'))).toBe(false);
  });

  it('refuses a host whose Node.js is older than 22, saying so', async () => {
    const fakeBin = join(workDir, 'old-node');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\necho 20.11.1\n');
    chmodSync(join(fakeBin, 'node'), 0o755);
    const script = await (await fetch(`${server.baseUrl}/install.sh`)).text();
    const result = await runShell(['-s', '--', '--token', TOKEN, '--ca-hash', CA_HASH, '--prefix', join(workDir, 'old'), '--no-systemd'], {
      stdin: script,
      env: { PATH: `${fakeBin}:${PATH_WITH_NODE}` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Node.js >= 22 is required; ${join(fakeBin, 'node')} is 20.11.1`);
  });
});

describe('the one-line installer', () => {
  let server: DownloadsServer;
  let workDir: string;
  let bundlePath: string;
  let prefix: string;
  let stateDir: string;
  let agentPid: number | undefined;
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'infrapilot-install-'));
    // A private build of the real bundle: fresh sources, and no race with a build of dist/.
    bundlePath = join(workDir, 'agent.bundle.js');
    const build = spawnSync(process.execPath, [BUNDLE_SCRIPT, '--outfile', bundlePath], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`bundle.mjs failed: ${build.stderr}`);
    server = await startDownloadsServer(bundlePath);
    prefix = join(workDir, 'usr-local');
    stateDir = join(workDir, 'state');
  }, 120_000);
  afterAll(async () => {
    if (agentPid !== undefined && isRunning(agentPid)) process.kill(agentPid, 'SIGKILL');
    await server?.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('installs, joins and starts the agent, which becomes active', async () => {
    const enrollment = await createEnrollment(server.admin, 'installed-1');
    const result = await runShell(['-c', `${enrollment.installCommand} --prefix ${prefix} --state-dir ${stateDir} --no-systemd`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`start the agent with: ${prefix}/bin/infrapilot-agent run --state-dir ${stateDir}`);

    agentPid = Number(readFileSync(join(stateDir, 'agent.pid'), 'utf8'));
    expect(isRunning(agentPid)).toBe(true);
    expect(sha256(readFileSync(join(prefix, 'lib/infrapilot/agent.js')))).toBe(sha256(readFileSync(bundlePath)));
    for (const file of ['agent.key', 'agent.crt', 'ca.crt', 'identity.json']) {
      expect(statSync(join(stateDir, file)).mode & 0o777, file).toBe(0o600);
    }
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);

    const { agentId } = JSON.parse(readFileSync(join(stateDir, 'identity.json'), 'utf8')) as { agentId: string };
    const shown = await eventually(async () => {
      const agent = await server.admin.request<Agent>('GET', `/api/v1/agents/${agentId}`);
      return agent.status === 'active' && agent.connected ? agent : undefined;
    }, 'installed agent active', 20_000);
    expect(shown.name).toBe('installed-1');

    const wrapper = await runShell([join(prefix, 'bin/infrapilot-agent'), '--version']);
    expect(wrapper.stdout.trim()).toBe('0.1.0');
  }, 60_000);

  it('stops the background agent gracefully on SIGTERM', async () => {
    expect(agentPid).toBeDefined();
    process.kill(agentPid!, 'SIGTERM');
    await eventually(() => !isRunning(agentPid!), 'agent process ended');
    const log = readFileSync(join(stateDir, 'agent.log'), 'utf8');
    expect(log).toContain('SIGTERM received; stopping');
    expect(log).toMatch(/INFO {2}Stopped\n$/);
  });
});
