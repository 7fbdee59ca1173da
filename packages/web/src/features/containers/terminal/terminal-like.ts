/** Something that can be unsubscribed. */
export interface Disposable {
  dispose(): void;
}

/**
 * The little of a terminal emulator an exec session needs. xterm.js implements it in
 * the browser (xterm-view.tsx); the component tests use a fake, since xterm needs a
 * real canvas and layout.
 */
export interface TerminalLike {
  readonly cols: number;
  readonly rows: number;
  write(data: Uint8Array | string): void;
  /** What the person types (and pastes), as the terminal encodes it. */
  onData(listener: (data: string) => void): Disposable;
  onResize(listener: (size: { cols: number; rows: number }) => void): Disposable;
  /** Clears the screen and scrollback for a new session. */
  reset(): void;
  focus(): void;
}
