import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraPilotClient } from '@infrapilot/client';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../server/src/test-helpers/test-agent.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const ADMIN_EMAIL = 'owner@example.com';
const ADMIN_PASSWORD = 'a long enough password';

// `up` ends its process on SIGTERM, so it runs as a child. Node strips the types itself;
// this hook lets the sources' `./x.js` imports find `./x.ts`, as the build would.
const TS_IMPORTS_HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (/^\\.{1,2}\\//.test(specifier) && specifier.endsWith('.js')) return nextResolve(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
});
`)}`;

interface UpProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Waits for a line of stdout matching the pattern and returns its match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM and resolves with the exit code. */
  terminate(): Promise<number | null>;
}

function startUp(dataDir: string): UpProcess {
  const child = spawn(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings',
      '--conditions=@infrapilot/source',
      '--import',
      TS_IMPORTS_HOOK,
      MAIN,
      'up',
      '--data-dir',
      dataDir,
      '--http-port',
      '0',
      '--grpc-port',
      '0',
      '--log-level',
      'warn',
    ],
    // A clean environment: no DATABASE_URL or master key of the machine leaks in.
    { env: { PATH: process.env.PATH ?? '', HOME: dataDir, INFRAPILOT_ADMIN_EMAIL: ADMIN_EMAIL, INFRAPILOT_ADMIN_PASSWORD: ADMIN_PASSWORD } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern, timeoutMs = 30_000) =>
      eventually(() => {
        if (child.exitCode !== null) throw new Error(`up exited with ${child.exitCode}: ${stderr}`);
        return stdout.match(pattern) ?? undefined;
      }, `up prints ${pattern} (stdout so far: ${stdout}; stderr: ${stderr})`, timeoutMs),
    terminate: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('infrapilot up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'infrapilot-up-'));
  const running: UpProcess[] = [];

  afterAll(async () => {
    for (const up of running) if (up.child.exitCode === null) up.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const upAndSignIn = async (): Promise<{ up: UpProcess; agentId: string; client: InfraPilotClient }> => {
    const up = startUp(dataDir);
    running.push(up);
    const url = (await up.waitFor(/^ {2}URL:\s+(http:\/\/\S+)$/m))[1]!;
    const agentId = (await up.waitFor(/^ {2}Local agent: (\S+) \(connected over gRPC\+mTLS on 127\.0\.0\.1:\d+\)$/m))[1]!;
    const client = new InfraPilotClient({ baseUrl: url });
    await client.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    return { up, agentId, client };
  };

  let firstAgentId: string | undefined;

  it('starts the control plane and a local agent that becomes active, then stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const { up, agentId, client } = await upAndSignIn();
    firstAgentId = agentId;
    const agent = await eventually(async () => {
      const found = await client.agents.get(agentId);
      return found.status === 'active' && found.connected && found.live ? found : undefined;
    }, 'the local agent is active with live figures');
    expect(agent.name).toBe('local');

    expect(await up.terminate()).toBe(0);
    expect(up.stderr()).toContain('SIGTERM received, stopping');
  });

  it('reuses the same local agent on the next start', { timeout: 90_000 }, async () => {
    expect(firstAgentId).toBeDefined();
    const { up, agentId, client } = await upAndSignIn();
    expect(agentId).toBe(firstAgentId);
    await eventually(async () => (await client.agents.get(agentId)).connected, 'the local agent reconnects');
    const agents = await client.agents.list();
    expect(agents.items.map((item) => item.id)).toEqual([firstAgentId]);

    expect(await up.terminate()).toBe(0);
  });
});
