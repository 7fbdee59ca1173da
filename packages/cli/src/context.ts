/** Somewhere text goes: process.stdout / process.stderr, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * Everything the CLI takes from its process, passed in so tests can run the whole
 * program in-process with captured output, their own stdin and a temporary config file.
 */
export interface CliContext {
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadableStream;
  /** Whether stdin is a terminal: decides between hidden prompts and reading lines. */
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
  homeDir: string;
}
