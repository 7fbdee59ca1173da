import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_POLICY_PATH, type AgentPolicy } from '../../../policy.js';
import { CommandFailure } from '../../registry.js';
import { childrenOf, livePidFromFile, processTitle } from './nginx-processes.js';
import { outputOf, runProgram, type ProgramLog } from './run-program.js';

/** The nginx part of the policy: the programs to run and the pid file to read. */
export type NginxSettings = AgentPolicy['proxy']['nginx'];

/** Whether nginx is there to drive, and which one. */
export interface NginxAvailability {
  available: boolean;
  /** Why not, in words that say what to do, when not available. */
  problem?: string;
  /** e.g. "1.22.1"; empty when `nginx -v` did not say. */
  version: string;
}

export interface NginxDriverOptions {
  settings: NginxSettings;
  /** The policy file's path, named when nginx is missing. */
  policyPath?: string;
  /** Deadline of each nginx program run. */
  programTimeoutMs?: number;
  /** How long a reload or start may take to show new worker processes. */
  settleTimeoutMs?: number;
}

const DEFAULT_PROGRAM_TIMEOUT_MS = 30_000;
const DEFAULT_SETTLE_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

/**
 * Runs nginx's test, reload and start programs exactly as the host owner's policy names
 * them (argv, never a shell) and reads its pid file to know whether it runs.
 */
export class NginxDriver {
  private readonly settings: NginxSettings;
  private readonly policyPath: string;
  private readonly programTimeoutMs: number;
  private readonly settleTimeoutMs: number;
  // `nginx -v` is asked once per program found, not on every heartbeat.
  private knownVersion: string | undefined;

  constructor(options: NginxDriverOptions) {
    this.settings = options.settings;
    this.policyPath = options.policyPath ?? DEFAULT_POLICY_PATH;
    this.programTimeoutMs = options.programTimeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
    this.settleTimeoutMs = options.settleTimeoutMs ?? DEFAULT_SETTLE_TIMEOUT_MS;
  }

  /** The program that tests the configuration; its presence is what "nginx is installed" means. */
  get program(): string {
    return this.settings.test[0]!;
  }

  /** Whether the test program exists and is executable, and nginx's version. */
  async availability(): Promise<NginxAvailability> {
    const program = this.program;
    const fix = `install Debian's nginx package or set proxy.nginx.test in ${this.policyPath}`;
    try {
      const info = await stat(program);
      if (!info.isFile()) return { available: false, problem: `nginx is not installed (${program} is not a file); ${fix}`, version: '' };
      await access(program, constants.X_OK);
    } catch (error) {
      this.knownVersion = undefined;
      const code = (error as NodeJS.ErrnoException).code;
      const what = code === 'ENOENT' || code === 'ENOTDIR' ? 'not found' : code === 'EACCES' ? 'not executable' : `unusable: ${code ?? String(error)}`;
      return { available: false, problem: `nginx is not installed (${program} ${what}); ${fix}`, version: '' };
    }
    this.knownVersion ??= await this.readVersion();
    return { available: true, version: this.knownVersion };
  }

  /** Throws proxy_unavailable when nginx is not there. */
  async requireAvailable(): Promise<void> {
    const availability = await this.availability();
    if (!availability.available) throw new CommandFailure('proxy_unavailable', availability.problem ?? 'nginx is not available');
  }

  /** Whether the pid file names a live process. */
  async running(): Promise<boolean> {
    return (await livePidFromFile(this.settings.pidFile)) !== undefined;
  }

  /** `nginx -t`: whether the whole configuration (every host's file) passes, and what nginx said. */
  async test(signal?: AbortSignal): Promise<{ ok: boolean; output: string }> {
    const log = await this.run(this.settings.test, signal);
    return { ok: log.exitCode === 0 && log.problem === undefined, output: outputOf(log) };
  }

  /**
   * Makes the tested configuration live: a reload when nginx runs, a start when it does
   * not. Resolves once nginx serves it (new workers); throws CommandFailure('failed') otherwise.
   */
  async activate(signal?: AbortSignal): Promise<void> {
    const master = await livePidFromFile(this.settings.pidFile);
    if (master === undefined) await this.start(signal);
    else await this.reload(master, signal);
  }

  /**
   * Reloads nginx when it runs, and only then; false when it does not run. For putting
   * back what a failed activation may have left half-loaded: a stopped nginx stays stopped.
   */
  async reloadIfRunning(signal?: AbortSignal): Promise<boolean> {
    const master = await livePidFromFile(this.settings.pidFile);
    if (master === undefined) return false;
    await this.reload(master, signal);
    return true;
  }

  private async reload(master: number, signal?: AbortSignal): Promise<void> {
    const before = await childrenOf(master);
    const log = await this.run(this.settings.reload, signal);
    if (log.exitCode !== 0 || log.problem !== undefined) throw new CommandFailure('failed', `nginx reload failed: ${outputOf(log)}`);
    // Without a view of nginx's processes (another PID namespace) the signal is all we know.
    if (before.size === 0) return;
    const reloaded = await this.waitFor(async () => {
      const current = await livePidFromFile(this.settings.pidFile);
      // A reload command that restarts nginx (systemctl restart) leaves a new master.
      if (current !== undefined && current !== master) return (await childrenOf(current)).size > 0;
      if (current === undefined) return false;
      for (const child of await childrenOf(master)) if (!before.has(child)) return true;
      return false;
    }, signal);
    if (!reloaded) {
      throw new CommandFailure(
        'failed',
        `nginx did not load the new configuration within ${this.settleTimeoutMs / 1000} s (no new worker processes after ${this.settings.reload.join(' ')}); nginx's error log says why`,
      );
    }
    // The master starts the new workers before it tells the old ones to stop accepting:
    // until they have, a request may still meet the old configuration. One that keeps a
    // long connection open (a websocket) may take its time to exit, so this waits only
    // for the old workers to stop listening, and not past the deadline.
    await this.waitFor(async () => {
      for (const child of before) {
        const title = await processTitle(child);
        if (title !== undefined && !title.includes('shutting down')) return false;
      }
      return true;
    }, signal);
  }

  private async start(signal?: AbortSignal): Promise<void> {
    const log = await this.run(this.settings.start, signal);
    if (log.exitCode !== 0 || log.problem !== undefined) throw new CommandFailure('failed', `nginx did not start: ${outputOf(log)}`);
    // nginx daemonises: the master writes its pid file after the program has returned.
    const started = await this.waitFor(async () => {
      const pid = await livePidFromFile(this.settings.pidFile);
      return pid !== undefined && (await childrenOf(pid)).size > 0;
    }, signal);
    if (!started) {
      if (await this.running()) return;
      throw new CommandFailure(
        'failed',
        `nginx did not start within ${this.settleTimeoutMs / 1000} s (${this.settings.pidFile} names no running process after ${this.settings.start.join(' ')}); nginx's error log says why`,
      );
    }
  }

  private async waitFor(probe: () => Promise<boolean>, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + this.settleTimeoutMs;
    for (;;) {
      if (await probe()) return true;
      if (Date.now() >= deadline || signal?.aborted) return false;
      await sleep(POLL_MS);
    }
  }

  private run(argv: readonly string[], signal?: AbortSignal): Promise<ProgramLog> {
    return runProgram(argv, { timeoutMs: this.programTimeoutMs, ...(signal ? { signal } : {}) });
  }

  private async readVersion(): Promise<string> {
    const log = await runProgram([this.program, '-v'], { timeoutMs: this.programTimeoutMs });
    // nginx prints "nginx version: nginx/1.22.1" on stderr.
    return /nginx\/(\d+(?:\.\d+)*)/.exec(`${log.stderr}\n${log.stdout}`)?.[1] ?? '';
  }
}
