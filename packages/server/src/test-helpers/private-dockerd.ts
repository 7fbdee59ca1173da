// A second Docker Engine of the test's own (its own socket, data root and exec root, in a
// network namespace of its own), so a test can stop and start a real dockerd without
// touching the machine's daemon that every other test file uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from './docker.js';
import { eventually } from './test-agent.js';

export interface PrivateDockerd {
  socketPath: string;
  /** Starts the daemon and waits until it answers. */
  start(): Promise<void>;
  /** Stops the daemon (SIGTERM) and waits until its process has exited. */
  stop(): Promise<void>;
  /** Stops it and deletes its directories. */
  destroy(): Promise<void>;
}

export function privateDockerd(): PrivateDockerd {
  const directory = mkdtempSync(join(tmpdir(), 'ipd-'));
  const socketPath = join(directory, 'docker.sock');
  let daemon: ChildProcess | undefined;
  let exited: Promise<void> | undefined;

  const stop = async () => {
    if (!daemon) return;
    daemon.kill('SIGTERM');
    await exited;
    daemon = undefined;
  };

  return {
    socketPath,
    async start() {
      if (daemon) return;
      // Its own network namespace: a dockerd started with --bridge=none deletes any
      // interface named docker0 it can see, which was the machine's daemon's bridge.
      daemon = spawn(
        'unshare',
        [
          '--net',
          'dockerd',
          `--host=unix://${socketPath}`,
          `--data-root=${join(directory, 'root')}`,
          `--exec-root=${join(directory, 'exec')}`,
          `--pidfile=${join(directory, 'docker.pid')}`,
          '--bridge=none',
          '--iptables=false',
          '--ip-masq=false',
          '--storage-driver=vfs',
        ],
        { stdio: 'ignore' },
      );
      const current = daemon;
      exited = new Promise((resolve) => current.once('exit', () => resolve()));
      await eventually(
        async () => (await docker(['--host', `unix://${socketPath}`, 'version', '--format', '{{.Server.Version}}'], { timeoutMs: 5_000 }).catch(() => '')) !== '',
        'the private dockerd answers',
        30_000,
      );
    },
    stop,
    async destroy() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
