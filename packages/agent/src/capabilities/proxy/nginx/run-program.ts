// The proxy capability starts nginx's own programs (test, reload, start, -v) and nothing
// else: always an argv array from the host owner's policy, never a shell string, always
// with a deadline.
import { execFile } from 'node:child_process';

/** What one run of a program left behind. */
export interface ProgramLog {
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES) or hit its deadline. */
  problem?: string;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

// nginx -t prints a few lines; anything beyond this is not worth keeping in memory.
const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Runs argv to its end and reports how it went; never rejects. */
export function runProgram(argv: readonly string[], options: RunOptions): Promise<ProgramLog> {
  const [program, ...args] = argv;
  return new Promise((resolve) => {
    execFile(
      program!,
      args,
      { timeout: options.timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8', ...(options.signal ? { signal: options.signal } : {}), env: process.env },
      (error, stdout, stderr) => {
        const log: ProgramLog = { argv: [...argv], exitCode: 0, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') };
        if (!error) return resolve(log);
        const failure = error as Omit<NodeJS.ErrnoException, 'code'> & { code?: string | number | null; killed?: boolean; signal?: NodeJS.Signals | null };
        if (failure.name === 'AbortError') return resolve({ ...log, exitCode: null, problem: `${argv.join(' ')} was cancelled` });
        if (typeof failure.code === 'number') return resolve({ ...log, exitCode: failure.code });
        if (failure.killed) return resolve({ ...log, exitCode: null, problem: `${argv.join(' ')} did not finish within ${Math.round(options.timeoutMs / 1000)} s` });
        if (failure.signal) return resolve({ ...log, exitCode: null, problem: `${argv.join(' ')} was ended by ${failure.signal}` });
        resolve({ ...log, exitCode: null, problem: `cannot run ${program}: ${failure.code ?? failure.message}` });
      },
    );
  });
}

/** A program's combined output, trimmed for a person to read. */
export function outputOf(log: ProgramLog, limit = 4096): string {
  const text = [log.stderr.trim(), log.stdout.trim(), log.problem ?? ''].filter(Boolean).join('\n');
  return text.length <= limit ? text : `${text.slice(0, limit)}\n… (${text.length - limit} more characters)`;
}
