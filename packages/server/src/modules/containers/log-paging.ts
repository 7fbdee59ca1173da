import type { ContainerLogs, LogLine } from '@infrapilot/protocol';
import { ValidationError } from '../../errors.js';

// Paging a container's log backwards. Docker can only be asked for "the last N lines up
// to an instant" (`until` is inclusive, to the nanosecond), and several lines can share a
// timestamp. So a page's cursor holds the oldest timestamp it showed and how many lines
// at exactly that timestamp were shown already; the next page asks Docker for N more
// than it needs up to that instant and drops the lines it showed before.

/** Where the next (older) page ends. */
export interface LogCursor {
  /** The oldest timestamp shown so far, as Docker wrote it. */
  timestamp: string;
  /** How many lines at exactly that timestamp were shown already. */
  seen: number;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 timestamp (up to nanoseconds, any offset) as nanoseconds since the epoch; undefined when it is not one. */
export function nanosecondsOf(timestamp: string): bigint | undefined {
  const match = RFC3339.exec(timestamp);
  if (!match) return undefined;
  const [, wholeSeconds, fraction = '', zone] = match;
  const milliseconds = Date.parse(`${wholeSeconds}${zone!.toUpperCase()}`);
  if (Number.isNaN(milliseconds)) return undefined;
  return BigInt(milliseconds) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/** Docker's form of an instant for `since`/`until`: "seconds.nanoseconds". */
export function dockerTimeOf(timestamp: string): string {
  const nanoseconds = nanosecondsOf(timestamp);
  if (nanoseconds === undefined) throw new ValidationError(`Not an RFC 3339 timestamp: ${timestamp}`);
  const seconds = nanoseconds / 1_000_000_000n;
  const rest = nanoseconds % 1_000_000_000n;
  // Before 1970 there are no container logs; Docker would refuse a negative number anyway.
  if (nanoseconds < 0n) return '0.000000000';
  return `${seconds}.${rest.toString().padStart(9, '0')}`;
}

export function encodeLogCursor(cursor: LogCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.timestamp, n: cursor.seen })).toString('base64url');
}

/** The cursor a `before` parameter carries; a 400 when it is not one this API gave out. */
export function decodeLogCursor(value: string): LogCursor {
  const invalid = () => new ValidationError('`before` is not a cursor from a previous page of these logs', [{ path: 'querystring.before', message: 'not a log cursor' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { t, n } = (parsed ?? {}) as { t?: unknown; n?: unknown };
  if (typeof t !== 'string' || nanosecondsOf(t) === undefined || typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000) throw invalid();
  return { timestamp: t, seen: n };
}

/**
 * The most lines one page request asks the agent for: the agent's own cap on a
 * non-following answer. A page of `tail` ≤ 10 000 plus the lines at the cursor's instant
 * shown before stays under it unless thousands of lines share one nanosecond.
 */
export const MAX_REQUESTED_LINES = 20_000;

/** How many lines to ask Docker for: a page, plus the lines at the cursor's instant shown before. */
export function linesToRequest(tail: number, cursor: LogCursor | undefined): number {
  return Math.min(tail + (cursor?.seen ?? 0), MAX_REQUESTED_LINES);
}

/** What the agent answered to "the last `requested` lines up to the cursor's instant". */
export interface AgentLogAnswer {
  lines: LogLine[];
  /**
   * The agent cut the answer short to keep its message small: older lines than these
   * remain, however few lines came back.
   */
  limited: boolean;
}

/**
 * A page out of what the agent answered to "the last `requested` lines up to the cursor's
 * instant": drops what earlier pages showed, keeps the newest `tail`, and says where the
 * next page ends. The beginning of the log is reached only when the agent gave fewer
 * lines than asked for without saying it `limited` them.
 */
export function pageOfLines(answer: AgentLogAnswer, tail: number, requested: number, cursor: LogCursor | undefined): ContainerLogs {
  const received = answer.lines;
  const cursorAt = cursor ? nanosecondsOf(cursor.timestamp) : undefined;
  const kept: LogLine[] = [];
  let dropped = 0;
  for (let index = received.length - 1; index >= 0; index--) {
    const line = received[index]!;
    if (cursorAt !== undefined) {
      const at = nanosecondsOf(line.timestamp);
      // Newer than the cursor: shown before (Docker's `until` should have left it out).
      if (at !== undefined && at > cursorAt) continue;
      // The newest lines at the cursor's instant are the ones shown before.
      if (at === cursorAt && dropped < cursor!.seen) {
        dropped += 1;
        continue;
      }
    }
    kept.push(line);
  }
  kept.reverse();
  const lines = kept.slice(-tail);
  const olderRemain = answer.limited || received.length >= requested || kept.length > tail;
  // Nothing new on this page: a cursor from it would be the one just used, and a client
  // would ask for the same page forever. (With `limited`, only when the lines shown
  // before at the cursor's instant alone fill the agent's message.)
  if (!olderRemain || lines.length === 0) return { lines, nextCursor: null };
  // The next page ends at the oldest line shown: with `limited` that is the oldest line
  // the agent returned, so the older ones it left out come next.
  const oldest = lines[0]!;
  const oldestAt = nanosecondsOf(oldest.timestamp);
  // Without a timestamp there is no instant to page back from.
  if (oldestAt === undefined) return { lines, nextCursor: null };
  const atOldest = lines.filter((line) => nanosecondsOf(line.timestamp) === oldestAt).length;
  const seen = atOldest + (cursorAt !== undefined && oldestAt === cursorAt ? cursor!.seen : 0);
  return { lines, nextCursor: encodeLogCursor({ timestamp: oldest.timestamp, seen }) };
}
