import type { LogLine } from '@infrapilot/protocol';
import { stripAnsi } from './ansi';

/** One line as the viewer keeps it: `plain` is the text without colour codes, for search and download. */
export interface LogEntry {
  /** Unique within a buffer; the virtual list's key. */
  id: number;
  stream: LogLine['stream'];
  timestamp: string;
  text: string;
  plain: string;
}

/** How many lines a viewer keeps in memory; the oldest go first (the page says so). */
export const MOST_LINES_KEPT = 200_000;

/**
 * The lines a log viewer holds, oldest first, bounded: past `capacity` the oldest are
 * dropped and counted. While paused, new lines wait aside (bounded the same way) so the
 * lines on screen stay still; resuming appends them.
 */
export class LogBuffer {
  private entries: LogEntry[] = [];
  private waiting: LogEntry[] = [];
  private nextId = 0;
  /** Lines dropped from the oldest end to stay within capacity. */
  dropped = 0;
  private paused = false;

  constructor(readonly capacity: number = MOST_LINES_KEPT) {}

  get lines(): readonly LogEntry[] {
    return this.entries;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Lines that arrived while paused, not shown yet. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** The newest line's timestamp, counting lines waiting behind a pause. */
  get newestTimestamp(): string | undefined {
    return (this.waiting.at(-1) ?? this.entries.at(-1))?.timestamp;
  }

  /** New lines (from the socket): shown, or set aside while paused. */
  append(lines: readonly LogLine[]): void {
    if (lines.length === 0) return;
    const entries = lines.map((line) => this.entry(line));
    if (this.paused) {
      this.waiting.push(...entries);
      // What waits is bounded too; what falls off it would have scrolled off anyway.
      const excess = this.entries.length + this.waiting.length - this.capacity;
      if (excess > 0) this.dropOldest(excess);
      return;
    }
    this.entries.push(...entries);
    this.trim();
  }

  /**
   * Older lines (a "Load older" page) go in front, as many as there is room for: the
   * newest lines are never dropped to make room for older ones. Returns how many went in.
   */
  prepend(lines: readonly LogLine[]): number {
    const room = Math.max(0, this.capacity - this.entries.length - this.waiting.length);
    const taken = lines.slice(Math.max(0, lines.length - room));
    this.entries.unshift(...taken.map((line) => this.entry(line)));
    return taken.length;
  }

  /** Whether older lines can still be put in front (nothing dropped yet and room left). */
  get hasRoomForOlder(): boolean {
    return this.dropped === 0 && this.entries.length + this.waiting.length < this.capacity;
  }

  pause(): void {
    this.paused = true;
  }

  /** Shows what waited; returns how many lines that was. */
  resume(): number {
    this.paused = false;
    const count = this.waiting.length;
    this.entries.push(...this.waiting);
    this.waiting = [];
    this.trim();
    return count;
  }

  /**
   * Whether a line from a socket that started at the newest loaded timestamp is one
   * already loaded (a follow picks up "since" that instant, so the lines written at that
   * very instant come twice).
   */
  alreadyHas(line: LogLine): boolean {
    const newest = this.newestTimestamp;
    if (newest === undefined) return false;
    const order = compareTimestamps(line.timestamp, newest);
    if (order !== 0) return order < 0;
    const lineKey = timestampKey(line.timestamp);
    const sameInstant = [...this.entries.slice(-50), ...this.waiting.slice(-50)].filter((entry) => timestampKey(entry.timestamp) === lineKey);
    return sameInstant.some((entry) => entry.stream === line.stream && entry.text === line.text);
  }

  private entry(line: LogLine): LogEntry {
    return { id: this.nextId++, stream: line.stream, timestamp: line.timestamp, text: line.text, plain: stripAnsi(line.text) };
  }

  private trim(): void {
    const excess = this.entries.length + this.waiting.length - this.capacity;
    if (excess > 0) this.dropOldest(excess);
  }

  private dropOldest(count: number): void {
    const fromShown = Math.min(count, this.entries.length);
    this.entries.splice(0, fromShown);
    this.waiting.splice(0, count - fromShown);
    this.dropped += count;
  }
}

/**
 * A timestamp as a string that sorts in time order. Docker writes RFC 3339 with up to
 * nine fractional digits and drops trailing zeros ("…05.1Z" after "…05.09Z"), so the raw
 * strings do not sort; padded to nine digits in UTC they do.
 */
export function timestampKey(timestamp: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(timestamp);
  if (match) return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`;
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? timestamp : `${new Date(time).toISOString().slice(0, 19)}.${String(time % 1000).padStart(3, '0').padEnd(9, '0')}`;
}

export function compareTimestamps(left: string, right: string): number {
  const leftKey = timestampKey(left);
  const rightKey = timestampKey(right);
  return leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0;
}
