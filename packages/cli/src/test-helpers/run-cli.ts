import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { StoredConfig } from '../config-store.js';
import { runCli } from '../program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temporary home for one suite's credentials file. */
export interface CliHome {
  configPath: string;
  /** Runs `infrapilot <args>` in-process; `stdin` is piped in as lines, like `echo ... | infrapilot`. */
  run(args: string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<CliRun>;
  /** The credentials file as stored. */
  stored(): StoredConfig;
  remove(): void;
}

/** Makes a temporary directory with its own config path; the process environment is not inherited. */
export function createCliHome(): CliHome {
  const directory = mkdtempSync(join(tmpdir(), 'infrapilot-cli-'));
  const configPath = join(directory, 'config', 'config.json');
  return {
    configPath,
    async run(args, options = {}) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
        stdinIsTTY: false,
        env: { INFRAPILOT_CONFIG: configPath, ...options.env },
        homeDir: directory,
      });
      return { code, stdout, stderr };
    },
    stored() {
      return JSON.parse(readFileSync(configPath, 'utf8')) as StoredConfig;
    },
    remove() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
