import { PassThrough } from 'node:stream';
import type { ExecHandlers, ExecSession } from '@infrapilot/client';
import { describe, expect, it } from 'vitest';
import type { Terminal, TerminalSignal } from '../terminal.js';
import { runStreamingExec, type ExecSessionOpener } from './container-exec.js';

/** A terminal that records what was done to it and lets the test send it signals. */
function fakeTerminal(stdinIsTTY: boolean, size = { columns: 120, rows: 40 }) {
  const rawModes: boolean[] = [];
  const listeners = { resize: new Set<() => void>(), signal: new Set<(signal: TerminalSignal) => void>(), exit: new Set<() => void>() };
  const subscribe = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => void set.delete(listener);
  };
  let current = size;
  const terminal: Terminal = {
    stdinIsTTY,
    setRawMode: (raw) => void rawModes.push(raw),
    size: () => current,
    onResize: (listener) => subscribe(listeners.resize, listener),
    onSignal: (listener) => subscribe(listeners.signal, listener),
    onExit: (listener) => subscribe(listeners.exit, listener),
  };
  return {
    terminal,
    rawModes,
    resize(columns: number, rows: number) {
      current = { columns, rows };
      for (const listener of listeners.resize) listener();
    },
    signal: (signal: TerminalSignal) => [...listeners.signal].forEach((listener) => listener(signal)),
    exitProcess: () => [...listeners.exit].forEach((listener) => listener()),
    listening: () => listeners.resize.size + listeners.signal.size + listeners.exit.size,
  };
}

/** An exec session that records what the CLI sent, and the handlers to answer with. */
function fakeSession() {
  const sent: (string | { resize: [number, number] } | 'close_stdin')[] = [];
  const state = { closed: false, handlers: undefined as ExecHandlers | undefined, options: undefined as Parameters<ExecSessionOpener>[0] | undefined };
  const session: ExecSession = {
    write: (data) => void sent.push(typeof data === 'string' ? data : Buffer.from(data).toString()),
    resize: (columns, rows) => void sent.push({ resize: [columns, rows] }),
    closeStdin: () => void sent.push('close_stdin'),
    close: () => void (state.closed = true),
  };
  const open: ExecSessionOpener = (options, handlers) => {
    state.options = options;
    state.handlers = handlers;
    return session;
  };
  const exit = (code: number) => {
    state.handlers!.exit(code);
    state.handlers!.end({ kind: 'ended', reason: `exited with code ${code}` });
  };
  return { open, sent, state, exit };
}

function io(terminal: Terminal, stdin = new PassThrough()) {
  const output = { stdout: '', stderr: '' };
  return {
    stdin,
    output,
    io: {
      stdin,
      stdout: (bytes: Uint8Array) => void (output.stdout += Buffer.from(bytes).toString()),
      stderr: (bytes: Uint8Array) => void (output.stderr += Buffer.from(bytes).toString()),
      terminal,
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('runStreamingExec', () => {
  it('-it on a terminal: goes raw, sends keys and resizes, exits with the remote status and restores the terminal', async () => {
    const tty = fakeTerminal(true);
    const remote = fakeSession();
    const { stdin, output, io: streams } = io(tty.terminal);
    const running = runStreamingExec(remote.open, { interactive: true, tty: true }, streams);

    expect(tty.rawModes).toEqual([true]);
    expect(remote.state.options).toEqual({ tty: true, columns: 120, rows: 40 });
    stdin.write('ls\r');
    stdin.write(Buffer.from([3]));
    await tick();
    tty.resize(100, 30);
    remote.state.handlers!.output(new TextEncoder().encode('file\r\n'), 'stdout');
    remote.exit(3);

    expect(await running).toBe(3);
    expect(remote.sent).toEqual(['ls\r', '\u0003', { resize: [100, 30] }]);
    expect(output.stdout).toBe('file\r\n');
    expect(tty.rawModes).toEqual([true, false]);
    expect(tty.listening()).toBe(0);
    expect(stdin.listenerCount('data')).toBe(0);
    expect(remote.state.closed).toBe(true);
  });

  it('restores the terminal when the server reports an error, and says it with its code', async () => {
    const tty = fakeTerminal(true);
    const remote = fakeSession();
    const running = runStreamingExec(remote.open, { interactive: true, tty: true }, io(tty.terminal).io);
    remote.state.handlers!.end({ kind: 'error', code: 'policy_denied', message: 'Exec is not allowed on web-1 by its policy file' });
    await expect(running).rejects.toThrow('Exec is not allowed on web-1 by its policy file (policy_denied)');
    expect(tty.rawModes).toEqual([true, false]);
    expect(tty.listening()).toBe(0);
  });

  it('restores the terminal and ends with 128 + the signal on SIGTERM', async () => {
    const tty = fakeTerminal(true);
    const remote = fakeSession();
    const running = runStreamingExec(remote.open, { interactive: true, tty: true }, io(tty.terminal).io);
    tty.signal('SIGTERM');
    expect(await running).toBe(143);
    expect(tty.rawModes).toEqual([true, false]);
    expect(remote.state.closed).toBe(true);
  });

  it('restores the terminal if the process exits mid-session, and only once', async () => {
    const tty = fakeTerminal(true);
    const remote = fakeSession();
    const running = runStreamingExec(remote.open, { interactive: true, tty: true }, io(tty.terminal).io);
    tty.exitProcess();
    expect(tty.rawModes).toEqual([true, false]);
    remote.exit(0);
    expect(await running).toBe(0);
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('restores the terminal when opening the session throws', async () => {
    const tty = fakeTerminal(true);
    const failing: ExecSessionOpener = () => {
      throw new Error('invalid URL');
    };
    await expect(runStreamingExec(failing, { interactive: true, tty: true }, io(tty.terminal).io)).rejects.toThrow('invalid URL');
    expect(tty.rawModes).toEqual([true, false]);
    expect(tty.listening()).toBe(0);
  });

  it('treats a session refused at once (no credential) as an error, with the terminal restored', async () => {
    const tty = fakeTerminal(true);
    const refused: ExecSessionOpener = (_options, handlers) => {
      handlers.end({ kind: 'error', code: 'unauthenticated', message: 'Sign in first' });
      return { write() {}, resize() {}, closeStdin() {}, close() {} };
    };
    await expect(runStreamingExec(refused, { interactive: true, tty: true }, io(tty.terminal).io)).rejects.toThrow('Sign in first (unauthenticated)');
    expect(tty.rawModes).toEqual([true, false]);
    expect(tty.listening()).toBe(0);
  });

  it('-it with piped stdin: no raw mode and no remote TTY; pipes stdin, closes it at the end, keeps stderr apart', async () => {
    const piped = fakeTerminal(false);
    const remote = fakeSession();
    const { stdin, output, io: streams } = io(piped.terminal);
    const running = runStreamingExec(remote.open, { interactive: true, tty: true }, streams);
    expect(remote.state.options).toEqual({ tty: false });
    stdin.end('echo piped; exit 2\n');
    await tick();
    expect(remote.sent).toEqual(['echo piped; exit 2\n', 'close_stdin']);
    remote.state.handlers!.output(new TextEncoder().encode('piped\n'), 'stdout');
    remote.state.handlers!.output(new TextEncoder().encode('oops\n'), 'stderr');
    remote.exit(2);
    expect(await running).toBe(2);
    expect(output).toEqual({ stdout: 'piped\n', stderr: 'oops\n' });
    expect(piped.rawModes).toEqual([]);
  });

  it('-t without -i: a remote TTY with its size, but no stdin and no raw mode', async () => {
    const tty = fakeTerminal(true);
    const remote = fakeSession();
    const { stdin, io: streams } = io(tty.terminal);
    const running = runStreamingExec(remote.open, { interactive: false, tty: true }, streams);
    expect(remote.state.options).toEqual({ tty: true, columns: 120, rows: 40 });
    expect(remote.sent).toEqual(['close_stdin']);
    expect(stdin.listenerCount('data')).toBe(0);
    remote.exit(0);
    expect(await running).toBe(0);
    expect(tty.rawModes).toEqual([]);
  });

  it('fails when the connection closes before the command exited, and not when it closes after', async () => {
    const first = fakeSession();
    const early = runStreamingExec(first.open, { interactive: false, tty: false }, io(fakeTerminal(false).terminal).io);
    first.state.handlers!.end({ kind: 'closed' });
    await expect(early).rejects.toThrow('the connection to the server closed before the command exited');

    const second = fakeSession();
    const late = runStreamingExec(second.open, { interactive: false, tty: false }, io(fakeTerminal(false).terminal).io);
    second.state.handlers!.exit(5);
    second.state.handlers!.end({ kind: 'closed' });
    expect(await late).toBe(5);
  });
});
