import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InfraPilotClient } from '@infrapilot/client';
// A relative import, not @infrapilot/agent/test-helpers/nginx: that export exists only
// under the "@infrapilot/source" condition, which Playwright's loader does not set.
import { startTestNginx } from '../../agent/src/test-helpers/nginx';

const ROOT = resolve(import.meta.dirname, '../../..');
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'e2e correct horse battery staple';

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs: number, server: ChildProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`infrapilot up exited with ${server.exitCode} while waiting for ${what}`);
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Starts the product the way a newcomer does (`infrapilot up`: server, built web app,
 * local agent over gRPC+mTLS) on free ports and a fresh data dir, and waits until the
 * local agent is active. Tests read the URL from E2E_BASE_URL; the returned function
 * stops it all.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-e2e-'));
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  // A test nginx of its own (loopback ports, its own directories) for the local agent's
  // proxy capability, so the proxy pages drive a real nginx and never the system's.
  const nginx = await startTestNginx();
  // The local agent's policy: the safe defaults plus exec, so the browser terminal has a
  // shell to open, and the proxy section pointing at that nginx. (YAML reads JSON.)
  const agentPolicy = join(dataDir, 'agent-policy.yaml');
  writeFileSync(agentPolicy, `${JSON.stringify({ capabilities: { exec: true }, proxy: nginx.proxyPolicy }, null, 2)}\n`);
  const output: string[] = [];
  const server = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/cli/dist/main.js'),
      'up',
      '--data-dir', dataDir,
      '--http-port', String(httpPort),
      '--grpc-port', String(grpcPort),
      '--public-url', baseUrl,
      '--heartbeat-interval', '1',
      '--admin-email', ADMIN_EMAIL,
      '--admin-password', ADMIN_PASSWORD,
      '--agent-policy', agentPolicy,
    ],
    { cwd: ROOT, env: { ...process.env, INFRAPILOT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

  try {
    await waitFor('the server to be ready', async () => ((await fetch(`${baseUrl}/readyz`)).ok ? true : undefined), 60_000, server);
    const admin = new InfraPilotClient({ baseUrl });
    await admin.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    await waitFor('the local agent to be active', async () => ((await admin.agents.list()).items.some((agent) => agent.status === 'active') ? true : undefined), 60_000, server);
  } catch (error) {
    server.kill('SIGKILL');
    await nginx.stop();
    throw new Error(`${(error as Error).message}\n--- infrapilot up output ---\n${output.join('')}`);
  }

  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_DATA_DIR = dataDir;
  process.env.E2E_GRPC_PORT = String(grpcPort);
  process.env.E2E_NGINX_HTTP_PORT = String(nginx.httpPort);
  return async () => {
    server.kill('SIGTERM');
    await new Promise((done) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        done(undefined);
      }, 10_000);
      server.once('exit', () => {
        clearTimeout(timer);
        done(undefined);
      });
    });
    await nginx.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
