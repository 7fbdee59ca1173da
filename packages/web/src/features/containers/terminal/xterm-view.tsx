import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef } from 'react';
import type { TerminalLike } from './terminal-like';

export interface TerminalViewProps {
  /** Names the terminal for screen readers ("Terminal: sh in web-1"). */
  label: string;
  /** The terminal, once it is on screen and sized. */
  onReady: (terminal: TerminalLike) => void;
  /** Ctrl+] was pressed: focus should leave the terminal (Tab and Esc belong to the shell). */
  onLeave: () => void;
}

/**
 * xterm.js in a box that follows its container's size: a ResizeObserver refits the
 * grid, and xterm reports the new columns and rows (onResize), which the session passes
 * on to the TTY. This module (and xterm, and its CSS) loads only when a terminal opens.
 */
export default function XtermView({ label, onReady, onLeave }: TerminalViewProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const latest = useRef({ onReady, onLeave, label });
  latest.current = { onReady, onLeave, label };

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const terminal = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: { background: '#0b1120', foreground: '#e2e8f0', cursor: '#e2e8f0' },
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.type === 'keydown' && event.ctrlKey && (event.key === ']' || event.code === 'BracketRight')) {
        latest.current.onLeave();
        return false;
      }
      return true;
    });
    terminal.open(box);
    terminal.textarea?.setAttribute('aria-label', latest.current.label);
    fitQuietly(fit);
    const resize = new ResizeObserver(() => fitQuietly(fit));
    resize.observe(box);
    latest.current.onReady({
      get cols() {
        return terminal.cols;
      },
      get rows() {
        return terminal.rows;
      },
      write: (data) => terminal.write(data),
      onData: (listener) => terminal.onData(listener),
      onResize: (listener) => terminal.onResize(listener),
      reset: () => terminal.reset(),
      focus: () => terminal.focus(),
    });
    terminal.focus();
    return () => {
      resize.disconnect();
      terminal.dispose();
    };
  }, []);

  useEffect(() => {
    boxRef.current?.querySelector('textarea')?.setAttribute('aria-label', label);
  }, [label]);

  return <div ref={boxRef} className="h-[60vh] min-h-80 w-full overflow-hidden rounded-lg bg-[#0b1120] p-2" />;
}

/** A hidden tab has no size to fit to; the next resize fits it. */
function fitQuietly(fit: FitAddon): void {
  try {
    fit.fit();
  } catch {
    // Not laid out yet.
  }
}
