import type { ExecHandlers, ExecSession, SocketEnd } from '@infrapilot/client';
import type { Disposable, TerminalLike } from './terminal-like';

/** Where a terminal's session is. */
export type TerminalStatus =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'exited'; exitCode: number }
  | { kind: 'closed' }
  | { kind: 'error'; code: string; message: string };

export type OpenExec = (options: { command: string[]; tty: boolean; columns: number; rows: number }, handlers: ExecHandlers) => ExecSession;

/**
 * Joins a terminal to an exec session: keys go to the process's stdin, its output to
 * the screen, and the terminal's size (after every fit) to the TTY. Returns a function
 * that ends the session and unhooks the terminal.
 */
export function connectTerminal(terminal: TerminalLike, command: string[], openExec: OpenExec, onStatus: (status: TerminalStatus) => void): () => void {
  let exitCode: number | null = null;
  let done = false;
  const subscriptions: Disposable[] = [];
  const unhook = () => {
    for (const subscription of subscriptions.splice(0)) subscription.dispose();
  };
  onStatus({ kind: 'connecting' });
  const session = openExec(
    { command, tty: true, columns: terminal.cols, rows: terminal.rows },
    {
      started: () => !done && onStatus({ kind: 'open' }),
      output: (data) => terminal.write(data),
      exit: (code) => {
        exitCode = code;
      },
      end: (end: SocketEnd) => {
        if (done) return;
        done = true;
        unhook();
        if (end.kind === 'ended') onStatus({ kind: 'exited', exitCode: exitCode ?? 0 });
        else if (end.kind === 'closed') onStatus({ kind: 'closed' });
        else onStatus({ kind: 'error', code: end.code, message: end.message });
      },
    },
  );
  // A socket refused at once (no credential) has already ended: nothing to hook up then.
  if (!done) {
    subscriptions.push(
      terminal.onData((data) => session.write(data)),
      terminal.onResize(({ cols, rows }) => session.resize(cols, rows)),
    );
  }
  return () => {
    if (!done) {
      done = true;
      session.close();
    }
    unhook();
  };
}
