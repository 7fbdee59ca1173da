import { Writable } from 'node:stream';
import type { CliContext, TextSink } from './context.js';

export type TerminalSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** The exit status a shell reports for a process ended by this signal (128 + its number). */
export const SIGNAL_EXIT_STATUS: Record<TerminalSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * The local terminal as an interactive session needs it, behind an interface so tests
 * can check that raw mode is always given back without a real terminal.
 */
export interface Terminal {
  /** Whether stdin is a terminal, so raw mode and a remote TTY make sense. */
  readonly stdinIsTTY: boolean;
  setRawMode(raw: boolean): void;
  /** The window size, when stdout is a terminal. */
  size(): { columns: number; rows: number } | undefined;
  /** Called when the window is resized (SIGWINCH); returns the unsubscribe. */
  onResize(listener: () => void): () => void;
  /** Called on SIGINT, SIGTERM or SIGHUP instead of the default of dying. */
  onSignal(listener: (signal: TerminalSignal) => void): () => void;
  /** Called when the process exits, whatever the reason: the last chance to restore. */
  onExit(listener: () => void): () => void;
}

interface RawCapableStdin {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

interface SizedStdout {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** The terminal of this process: the context's stdin and stdout, and process signals. */
export function processTerminal(context: CliContext): Terminal {
  const stdin = context.stdin as NodeJS.ReadableStream & RawCapableStdin;
  const stdout = context.stdout as TextSink & SizedStdout;
  const listen = (events: string[], listener: (event: string) => void) => {
    const handlers = events.map((event) => [event, () => listener(event)] as const);
    for (const [event, handler] of handlers) process.on(event, handler);
    return () => {
      for (const [event, handler] of handlers) process.off(event, handler);
    };
  };
  return {
    stdinIsTTY: context.stdinIsTTY && typeof stdin.setRawMode === 'function',
    setRawMode(raw) {
      stdin.setRawMode?.(raw);
    },
    size() {
      if (!stdout.isTTY || !stdout.columns || !stdout.rows) return undefined;
      return { columns: stdout.columns, rows: stdout.rows };
    },
    onResize: (listener) => listen(['SIGWINCH'], listener),
    onSignal: (listener) => listen(['SIGINT', 'SIGTERM', 'SIGHUP'], (signal) => listener(signal as TerminalSignal)),
    onExit: (listener) => listen(['exit'], listener),
  };
}

/**
 * Puts the terminal in raw mode (keys go to the remote side as typed, Ctrl-C included)
 * and returns the function that restores it. The restore runs at most once, and also
 * runs if the process exits before anyone calls it, so a crash never leaves the
 * person's shell without echo.
 */
export function enterRawMode(terminal: Terminal): () => void {
  terminal.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stopWatchingExit();
    terminal.setRawMode(false);
  };
  const stopWatchingExit = terminal.onExit(restore);
  return restore;
}

/** Writes raw bytes: as they are to a real stream, decoded as UTF-8 into a text sink (tests). */
export function byteWriter(sink: TextSink): (bytes: Uint8Array) => void {
  if (sink instanceof Writable) return (bytes) => void sink.write(bytes);
  // A streaming decoder keeps a character split across two frames whole.
  const decoder = new TextDecoder();
  return (bytes) => {
    const text = decoder.decode(bytes, { stream: true });
    if (text) sink.write(text);
  };
}
