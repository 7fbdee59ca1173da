import Table from 'cli-table3';
import type { TextSink } from './context.js';

type Cell = string | number | boolean | null | undefined;

/**
 * What a command prints: tables and short lines for people, or with `--json` the API's
 * reply as it came, for scripts. Notes and warnings go to stderr so stdout stays clean.
 */
export class Output {
  constructor(
    private readonly stdout: TextSink,
    private readonly stderr: TextSink,
    readonly json: boolean,
  ) {}

  /** Prints `value` as JSON with --json, otherwise runs `human`. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else human();
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** A line for people only (progress, warnings, hints); stderr, so pipes get just data. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  table(head: string[], rows: Cell[][]): void {
    if (rows.length === 0) {
      this.note('(none)');
      return;
    }
    // No colours: the output is as often a pipe or a log as it is a terminal.
    const table = new Table({ head, style: { head: [], border: [] } });
    table.push(...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : String(cell)))));
    this.line(table.toString());
  }

  /** Label/value pairs, aligned, one per line. */
  fields(pairs: [string, Cell][]): void {
    const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
    for (const [label, value] of pairs) this.line(`${`${label}:`.padEnd(width)} ${value ?? ''}`);
  }

  /** Tells people how to get the next page of a list. */
  nextPage(nextCursor: string | null): void {
    if (nextCursor && !this.json) this.note(`More results: repeat with --cursor ${nextCursor}`);
  }
}

/** A timestamp people can read at a glance: 2025-01-31 14:05:09Z. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
