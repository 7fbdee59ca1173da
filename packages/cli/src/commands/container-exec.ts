import type { ExecHandlers, ExecSession, SocketEnd } from '@infrapilot/client';
import { CliError } from '../errors.js';
import { enterRawMode, SIGNAL_EXIT_STATUS, type Terminal } from '../terminal.js';

/** Opens the exec socket (openExecSession, bound to a client, host, container and command). */
export type ExecSessionOpener = (options: { tty: boolean; columns?: number; rows?: number }, handlers: ExecHandlers) => ExecSession;

export interface StreamingExecOptions {
  /** -i: forward stdin, and close the remote stdin at its end. */
  interactive: boolean;
  /** -t: a remote TTY; only when stdin is a terminal (as piped input has no keys to send raw). */
  tty: boolean;
}

export interface StreamingExecIo {
  stdin: NodeJS.ReadableStream;
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
  terminal: Terminal;
}

/**
 * Runs `containers exec -i/-t` over the exec socket and resolves with the remote exit
 * status, or 128 + the signal's number when a signal ends it here. With a TTY and -i the
 * local terminal goes raw for the session, so keys (Ctrl-C, arrows, Tab) reach the
 * remote shell as typed; every way out — exit, error, signal, process exit — gives the
 * terminal back.
 */
export function runStreamingExec(open: ExecSessionOpener, options: StreamingExecOptions, io: StreamingExecIo): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const tty = options.tty && io.terminal.stdinIsTTY;
    const restoreTerminal = tty && options.interactive ? enterRawMode(io.terminal) : () => undefined;
    const cleanups: (() => void)[] = [];
    let session: ExecSession | undefined;
    let exitCode: number | undefined;
    let settled = false;

    const finish = (outcome: { status: number } | { error: Error }) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
      restoreTerminal();
      session?.close();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.status);
    };

    const ended = (end: SocketEnd) => {
      if (end.kind === 'error') return finish({ error: new CliError(`${end.message} (${end.code})`) });
      if (exitCode !== undefined) return finish({ status: exitCode });
      finish({ error: new CliError('the connection to the server closed before the command exited') });
    };

    try {
      session = open(
        { tty, ...(tty ? io.terminal.size() : {}) },
        {
          output: (bytes, stream) => (stream === 'stderr' ? io.stderr(bytes) : io.stdout(bytes)),
          exit: (code) => (exitCode = code),
          end: ended,
        },
      );
    } catch (error) {
      finish({ error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    // The socket may have refused at once (no credential), before `session` was set.
    if (settled) {
      session.close();
      return;
    }

    cleanups.push(io.terminal.onSignal((signal) => finish({ status: SIGNAL_EXIT_STATUS[signal] })));
    if (tty) {
      cleanups.push(
        io.terminal.onResize(() => {
          const size = io.terminal.size();
          if (size) session?.resize(size.columns, size.rows);
        }),
      );
    }
    if (options.interactive) forwardStdin(io.stdin, session, cleanups, (error) => finish({ error }));
    // Without -i the command gets no input, as with `docker exec`: it sees the end at once.
    else session.closeStdin();
  });
}

function forwardStdin(stdin: NodeJS.ReadableStream, session: ExecSession, cleanups: (() => void)[], failed: (error: Error) => void): void {
  const onData = (chunk: Uint8Array | string) => session.write(chunk);
  const onEnd = () => session.closeStdin();
  const onError = (error: Error) => failed(new CliError(`could not read stdin: ${error.message}`));
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.on('error', onError);
  cleanups.push(() => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.off('error', onError);
    // A paused stdin no longer holds the event loop open, so the CLI can exit.
    stdin.pause();
  });
  stdin.resume();
}
