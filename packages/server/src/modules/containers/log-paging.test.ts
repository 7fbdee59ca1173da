import type { LogLine } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import { decodeLogCursor, dockerTimeOf, dockerTimeOfMilliseconds, encodeLogCursor, linesToRequest, nanosecondsOf, pageOfLines, type LogCursor } from './log-paging.js';

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
    expect(dockerTimeOfMilliseconds(1704164645123)).toBe('1704164645.123000000');
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

/**
 * What Docker (as the agent asks it) answers: the last `tail` lines of those at or
 * before `until` (inclusive, to the nanosecond).
 */
function dockerAnswer(log: LogLine[], tail: number, until: string | undefined): LogLine[] {
  const limit = until ? BigInt(until.replace('.', '')) : undefined;
  const inRange = log.filter((line) => limit === undefined || nanosecondsOf(line.timestamp)! <= limit);
  return inRange.slice(-tail);
}

/** Pages backwards through the whole log the way a client does. */
function pageThrough(log: LogLine[], tail: number): { pages: LogLine[][]; requests: number } {
  const pages: LogLine[][] = [];
  let cursor: LogCursor | undefined;
  for (let requests = 1; requests < 1000; requests += 1) {
    const requested = linesToRequest(tail, cursor);
    const received = dockerAnswer(log, requested, cursor ? dockerTimeOf(cursor.timestamp) : undefined);
    const page = pageOfLines(received, tail, requested, cursor);
    pages.push(page.lines);
    if (!page.nextCursor) return { pages, requests };
    cursor = decodeLogCursor(page.nextCursor);
  }
  throw new Error('paging did not end');
}

const line = (text: string, timestamp: string): LogLine => ({ stream: 'stdout', timestamp, text });

describe('paging back through a log', () => {
  it('covers every line once, in order, when many lines share a timestamp', () => {
    // Lines 1..40; runs of equal timestamps longer than a page, and trimmed fractions.
    const stamps = ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.1Z', '2024-01-02T03:04:05.100000001Z', '2024-01-02T03:04:06.5Z'];
    const log = Array.from({ length: 40 }, (_, index) => line(String(index + 1), stamps[Math.min(3, Math.floor(index / 11))]!));
    for (const tail of [1, 3, 7, 11, 40, 100]) {
      const { pages } = pageThrough(log, tail);
      const shown = pages.reverse().flat().map((entry) => Number(entry.text));
      expect({ tail, shown }).toEqual({ tail, shown: Array.from({ length: 40 }, (_, index) => index + 1) });
      expect(pages.every((page) => page.length <= tail)).toBe(true);
    }
  });

  it('ends at once when the first page holds the whole log', () => {
    const log = [line('a', '2024-01-02T03:04:05.1Z'), line('b', '2024-01-02T03:04:05.2Z')];
    const page = pageOfLines(dockerAnswer(log, 10, undefined), 10, 10, undefined);
    expect(page).toEqual({ lines: log, nextCursor: null });
  });

  it('gives a cursor when the page is full even if nothing older exists, and the next page is empty and last', () => {
    const log = [line('a', '2024-01-02T03:04:05.1Z'), line('b', '2024-01-02T03:04:05.2Z')];
    const first = pageOfLines(dockerAnswer(log, 2, undefined), 2, 2, undefined);
    expect(first.lines).toEqual(log);
    const cursor = decodeLogCursor(first.nextCursor!);
    expect(cursor).toEqual({ timestamp: '2024-01-02T03:04:05.1Z', seen: 1 });
    const requested = linesToRequest(2, cursor);
    const second = pageOfLines(dockerAnswer(log, requested, dockerTimeOf(cursor.timestamp)), 2, requested, cursor);
    expect(second).toEqual({ lines: [], nextCursor: null });
  });

  it('drops lines newer than the cursor if an agent ever returns them', () => {
    const cursor = { timestamp: '2024-01-02T03:04:05.2Z', seen: 1 };
    const received = [line('a', '2024-01-02T03:04:05.1Z'), line('b', '2024-01-02T03:04:05.2Z'), line('late', '2024-01-02T03:04:09Z')];
    expect(pageOfLines(received, 5, 6, cursor).lines.map((entry) => entry.text)).toEqual(['a']);
  });
});
