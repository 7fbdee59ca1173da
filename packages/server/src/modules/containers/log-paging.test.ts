import type { LogLine } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { type AgentLogAnswer, decodeLogCursor, dockerTimeOf, encodeLogCursor, linesToRequest, MAX_REQUESTED_LINES, nanosecondsOf, pageOfLines, type LogCursor } from './log-paging.js';

describe('Docker timestamps', () => {
  it('reads RFC 3339 with nanoseconds, trimmed fractions and offsets', () => {
    expect(nanosecondsOf('2024-01-02T03:04:05.123456789Z')).toBe(1704164645123456789n);
    // Docker trims trailing zeros of the fraction.
    expect(nanosecondsOf('2024-01-02T03:04:05.1Z')).toBe(1704164645100000000n);
    expect(nanosecondsOf('2024-01-02T03:04:05Z')).toBe(1704164645000000000n);
    expect(nanosecondsOf('2024-01-02T05:04:05.5+02:00')).toBe(1704164645500000000n);
    expect(nanosecondsOf('not a time')).toBeUndefined();
    expect(nanosecondsOf('2024-01-02T03:04:05.1234567891Z')).toBeUndefined();
  });

  it('writes the "seconds.nanoseconds" Docker takes for since and until', () => {
    expect(dockerTimeOf('2024-01-02T03:04:05.000000007Z')).toBe('1704164645.000000007');
    expect(dockerTimeOf('2024-01-02T04:04:05.25+01:00')).toBe('1704164645.250000000');
    expect(() => dockerTimeOf('yesterday')).toThrow(/RFC 3339/);
  });
});

describe('log cursors', () => {
  it('round-trips, and refuses what this API did not give out with a 400', () => {
    const cursor: LogCursor = { timestamp: '2024-01-02T03:04:05.1Z', seen: 3 };
    expect(decodeLogCursor(encodeLogCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'not base64 json', Buffer.from('{"t":"x","n":1}').toString('base64url'), Buffer.from('{"t":"2024-01-02T03:04:05Z","n":-1}').toString('base64url')]) {
      expect(() => decodeLogCursor(bad)).toThrow(expect.objectContaining({ status: 400, code: 'validation_failed' }));
    }
  });
});

/** What the agent may put in one answer: at most `lines` lines and `bytes` bytes (then it says `limited`). */
interface AgentCaps {
  lines: number;
  bytes: number;
}

const AGENT_CAPS: AgentCaps = { lines: 20_000, bytes: Number.POSITIVE_INFINITY };

/** Roughly what a line weighs in the agent's message. */
const weightOf = (entry: LogLine) => entry.text.length + entry.timestamp.length + 8;

/**
 * What the agent answers (asking Docker): the last `requested` lines of those at or
 * before `until` (inclusive, to the nanosecond), at most `caps.lines` of them, and of
 * those the newest that fit in `caps.bytes` — `limited` when it had to leave some out.
 */
function agentAnswer(log: LogLine[], requested: number, until: string | undefined, caps: AgentCaps = AGENT_CAPS): AgentLogAnswer {
  const limit = until ? BigInt(until.replace('.', '')) : undefined;
  const inRange = log.filter((entry) => limit === undefined || nanosecondsOf(entry.timestamp)! <= limit);
  const wanted = inRange.slice(-Math.min(requested, caps.lines));
  let start = wanted.length;
  let bytes = 0;
  while (start > 0 && bytes + weightOf(wanted[start - 1]!) <= caps.bytes) {
    bytes += weightOf(wanted[start - 1]!);
    start -= 1;
  }
  return { lines: wanted.slice(start), limited: start > 0 };
}

/** Pages backwards through the whole log the way a client does; `requested` is what each page asked the agent for. */
function pageThrough(log: LogLine[], tail: number, caps: AgentCaps = AGENT_CAPS): { pages: LogLine[][]; requested: number[] } {
  const pages: LogLine[][] = [];
  const requested: number[] = [];
  let cursor: LogCursor | undefined;
  for (let page = 0; page < 1000; page += 1) {
    const asked = linesToRequest(tail, cursor);
    requested.push(asked);
    const answer = agentAnswer(log, asked, cursor ? dockerTimeOf(cursor.timestamp) : undefined, caps);
    const shown = pageOfLines(answer, tail, asked, cursor);
    pages.push(shown.lines);
    if (!shown.nextCursor) return { pages, requested };
    cursor = decodeLogCursor(shown.nextCursor);
  }
  throw new Error('paging did not end');
}

const line = (text: string, timestamp: string): LogLine => ({ stream: 'stdout', timestamp, text, truncated: false });

/** `count` lines numbered from 1, `perInstant` of them sharing each timestamp (a microsecond apart). */
function numberedLog(count: number, perInstant: number): LogLine[] {
  return Array.from({ length: count }, (_, index) => {
    const micros = 1_704_164_645_000_000 + Math.floor(index / perInstant);
    const seconds = Math.floor(micros / 1_000_000);
    const fraction = String(micros % 1_000_000).padStart(6, '0');
    return line(String(index + 1), `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`);
  });
}

const shownInOrder = (pages: LogLine[][]) => [...pages].reverse().flat().map((entry) => Number(entry.text));
const oneTo = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

describe('paging back through a log', () => {
  it('covers every line once, in order, when many lines share a timestamp', () => {
    // Lines 1..40; runs of equal timestamps longer than a page, and trimmed fractions.
    const stamps = ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.1Z', '2024-01-02T03:04:05.100000001Z', '2024-01-02T03:04:06.5Z'];
    const log = Array.from({ length: 40 }, (_, index) => line(String(index + 1), stamps[Math.min(3, Math.floor(index / 11))]!));
    for (const tail of [1, 3, 7, 11, 40, 100]) {
      const { pages } = pageThrough(log, tail);
      expect({ tail, shown: shownInOrder(pages) }).toEqual({ tail, shown: oneTo(40) });
      expect(pages.every((page) => page.length <= tail)).toBe(true);
    }
  });

  it('ends at once when the first page holds the whole log', () => {
    const log = [line('a', '2024-01-02T03:04:05.1Z'), line('b', '2024-01-02T03:04:05.2Z')];
    const page = pageOfLines(agentAnswer(log, 10, undefined), 10, 10, undefined);
    expect(page).toEqual({ lines: log, nextCursor: null });
  });

  it('gives a cursor when the page is full even if nothing older exists, and the next page is empty and last', () => {
    const log = [line('a', '2024-01-02T03:04:05.1Z'), line('b', '2024-01-02T03:04:05.2Z')];
    const first = pageOfLines(agentAnswer(log, 2, undefined), 2, 2, undefined);
    expect(first.lines).toEqual(log);
    const cursor = decodeLogCursor(first.nextCursor!);
    expect(cursor).toEqual({ timestamp: '2024-01-02T03:04:05.1Z', seen: 1 });
    const requested = linesToRequest(2, cursor);
    const second = pageOfLines(agentAnswer(log, requested, dockerTimeOf(cursor.timestamp)), 2, requested, cursor);
    expect(second).toEqual({ lines: [], nextCursor: null });
  });

  it('drops lines newer than the cursor if an agent ever returns them', () => {
    const cursor = { timestamp: '2024-01-02T03:04:05.2Z', seen: 1 };
    const received = [line('a', '2024-01-02T03:04:05.1Z'), line('b', '2024-01-02T03:04:05.2Z'), line('late', '2024-01-02T03:04:09Z')];
    expect(pageOfLines({ lines: received, limited: false }, 5, 6, cursor).lines.map((entry) => entry.text)).toEqual(['a']);
  });

  // With tail near 10 000 the next page asks for tail + seen lines, more than 10 000: the
  // agent's cap (20 000) leaves room for them.
  it('pages through 25 000 lines with tail 10 000, asking for the lines at the cursor instant on top', () => {
    const log = numberedLog(25_000, 3);
    const { pages, requested } = pageThrough(log, 10_000);
    expect(shownInOrder(pages)).toEqual(oneTo(25_000));
    expect(pages.map((page) => page.length)).toEqual([10_000, 10_000, 5_000]);
    // Page 1 ends on line 15 001, which shares its instant with 15 002 and 15 003 (all shown);
    // page 2 ends on 5 001, which shares it with 4 999 and 5 000 (not shown yet).
    expect(requested).toEqual([10_000, 10_003, 10_001]);
  });

  // Regression: a page the agent cut short to keep its message small has older lines
  // behind it; taking "fewer than asked" for the beginning lost them.
  it('continues from the oldest line of a limited answer until the agent stops limiting', () => {
    const log = numberedLog(25_000, 4);
    // About 1 400 lines per answer.
    const caps = { lines: 20_000, bytes: 50_000 };
    const { pages } = pageThrough(log, 10_000, caps);
    expect(shownInOrder(pages)).toEqual(oneTo(25_000));
    expect(pages.length).toBeGreaterThan(15);
    expect(pages.every((page) => page.length > 0 && page.length < 10_000)).toBe(true);
  });

  it('takes a limited answer shorter than the tail as a page with older lines behind it', () => {
    const received = [line('9998', '2024-01-02T03:04:05.1Z'), line('9999', '2024-01-02T03:04:05.2Z'), line('10000', '2024-01-02T03:04:05.3Z')];
    const limited = pageOfLines({ lines: received, limited: true }, 10_000, 10_000, undefined);
    expect(limited.lines).toEqual(received);
    expect(decodeLogCursor(limited.nextCursor!)).toEqual({ timestamp: '2024-01-02T03:04:05.1Z', seen: 1 });
    // The same answer without `limited`: the agent had no more.
    expect(pageOfLines({ lines: received, limited: false }, 10_000, 10_000, undefined).nextCursor).toBeNull();
  });

  it("never asks for more than the agent's cap of 20 000 lines", () => {
    expect(linesToRequest(10_000, { timestamp: '2024-01-02T03:04:05.1Z', seen: 12 })).toBe(10_012);
    expect(linesToRequest(10_000, { timestamp: '2024-01-02T03:04:05.1Z', seen: 15_000 })).toBe(MAX_REQUESTED_LINES);
    expect(MAX_REQUESTED_LINES).toBe(20_000);
  });
});
