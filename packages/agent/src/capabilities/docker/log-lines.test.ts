import { describe, expect, it } from 'vitest';
import { FrameDecoder, LogLineSplitter, MAX_LINE_BYTES } from './log-lines.js';

function frame(type: number, text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const TS1 = '2026-01-02T03:04:05.123456789Z';
const TS2 = '2026-01-02T03:04:06.000000001Z';

function plain(lines: { stream: string; timestamp: string; text: string }[]) {
  return lines.map(({ stream, timestamp, text }) => ({ stream, timestamp, text }));
}

describe('FrameDecoder', () => {
  it('reassembles frames cut anywhere, headers included', () => {
    const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'bye\n')]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
        ['stdout', 'hello\n'],
        ['stderr', 'oops\n'],
        ['stdout', 'bye\n'],
      ]);
      expect(decoder.buffered).toBe(0);
    }
  });
});

describe('LogLineSplitter', () => {
  it('moves the timestamp into its own field and keeps stdout and stderr apart', () => {
    const splitter = new LogLineSplitter(true);
    const lines = splitter.push(Buffer.concat([frame(1, `${TS1} one\n`), frame(2, `${TS2} two\n`)]));
    expect(plain(lines)).toEqual([
      { stream: 'stdout', timestamp: TS1, text: 'one' },
      { stream: 'stderr', timestamp: TS2, text: 'two' },
    ]);
  });

  it('keeps a partial line until its newline, and gives it up at the end', () => {
    const splitter = new LogLineSplitter(false);
    expect(splitter.push(Buffer.from(`${TS1} first\n${TS2} sec`))).toHaveLength(1);
    expect(plain(splitter.push(Buffer.from('ond\n')))).toEqual([{ stream: 'stdout', timestamp: TS2, text: 'second' }]);
    expect(splitter.push(Buffer.from(`${TS1} no newline`))).toEqual([]);
    expect(plain(splitter.end())).toEqual([{ stream: 'stdout', timestamp: TS1, text: 'no newline' }]);
  });

  it("joins Docker's pieces of a line longer than its buffer into one line with the first timestamp", () => {
    const splitter = new LogLineSplitter(true);
    const lines = splitter.push(Buffer.concat([frame(1, `${TS1} aaaa`), frame(1, `${TS2} bbbb`), frame(1, `${TS2} cc\n`)]));
    expect(plain(lines)).toEqual([{ stream: 'stdout', timestamp: TS1, text: 'aaaabbbbcc' }]);
  });

  it('replaces invalid UTF-8 and keeps a character cut between two chunks whole', () => {
    const splitter = new LogLineSplitter(false);
    const euro = Buffer.from('€'); // three bytes
    const first = splitter.push(Buffer.concat([Buffer.from(`${TS1} price `), euro.subarray(0, 1)]));
    const second = splitter.push(Buffer.concat([euro.subarray(1), Buffer.from(`\n${TS2} bad `), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    expect(first).toEqual([]);
    expect(second.map((line) => line.text)).toEqual(['price €', 'bad \uFFFD\uFFFD']);
  });

  it("drops a TTY's carriage return before the newline", () => {
    const splitter = new LogLineSplitter(false);
    expect(splitter.push(Buffer.from(`${TS1} prompt\r\n`)).map((line) => line.text)).toEqual(['prompt']);
  });

  it('leaves text without a timestamp as it is', () => {
    const splitter = new LogLineSplitter(true);
    expect(plain(splitter.push(frame(1, 'no stamp here\n')))).toEqual([{ stream: 'stdout', timestamp: '', text: 'no stamp here' }]);
  });
});

describe('LogLineSplitter bounds', () => {
  const KIB = 1024;

  // A line of megabytes went out whole, and its message was over the 4 MiB the control
  // plane accepts, which dropped the host's connection.
  it("cuts a line at 64 KiB after joining Docker's 16 KiB pieces, and marks it truncated", () => {
    const splitter = new LogLineSplitter(true);
    const pieces = Array.from({ length: 13 }, (_, index) => frame(1, `${index === 0 ? TS1 : TS2} ${'a'.repeat(16 * KIB)}`));
    expect(splitter.push(Buffer.concat(pieces))).toEqual([]);
    expect(splitter.buffered).toBeLessThanOrEqual(MAX_LINE_BYTES + 1);
    const lines = splitter.push(Buffer.concat([frame(1, `${TS2} end\n`), frame(1, `${TS2} next\n`)]));
    expect(lines.map((line) => [line.timestamp, line.text.length, line.truncated])).toEqual([
      [TS1, MAX_LINE_BYTES, true],
      [TS2, 4, false],
    ]);
  });

  // A TTY progress bar redrawn with "\r" never writes a newline: the pending line grew
  // without bound, and Docker's timestamps between its 16 KiB pieces ended up in the text.
  it('keeps a TTY line without newlines bounded, and drops the timestamps between its 16 KiB pieces', () => {
    const splitter = new LogLineSplitter(false);
    const piece = 'progress 00042\r'.repeat(2_000).slice(0, 16 * KIB);
    for (let message = 0; message < 256; message++) {
      const timestamp = message === 0 ? TS1 : TS2;
      // Cut the stream mid-timestamp too, as the socket may.
      const bytes = Buffer.from(`${timestamp} ${piece}`);
      expect(splitter.push(bytes.subarray(0, 7))).toEqual([]);
      expect(splitter.push(bytes.subarray(7))).toEqual([]);
      expect(splitter.buffered).toBeLessThanOrEqual(MAX_LINE_BYTES + 64);
    }
    const [line, next] = splitter.push(Buffer.from(`${TS2} done\r\n${TS2} after\r\n`));
    expect(line).toMatchObject({ stream: 'stdout', timestamp: TS1, truncated: true });
    expect(line!.text.length).toBe(MAX_LINE_BYTES);
    expect(line!.text).not.toContain('2026-');
    expect(next).toMatchObject({ text: 'after', truncated: false });
  });

  it('joins a TTY line of exactly 16 KiB followed by its newline in the next message', () => {
    const splitter = new LogLineSplitter(false);
    const lines = splitter.push(Buffer.from(`${TS1} ${'b'.repeat(16 * KIB)}${TS2} \r\n${TS2} x\r\n`));
    expect(plain(lines)).toEqual([
      { stream: 'stdout', timestamp: TS1, text: 'b'.repeat(16 * KIB) },
      { stream: 'stdout', timestamp: TS2, text: 'x' },
    ]);
  });

  it('does not cut a character in two, and bounds text that invalid bytes made longer', () => {
    const splitter = new LogLineSplitter(true);
    const [euro] = splitter.push(frame(1, `${TS1} ${'a'.repeat(MAX_LINE_BYTES - 1)}€€\n`));
    expect(euro!.truncated).toBe(true);
    expect(euro!.text).toBe('a'.repeat(MAX_LINE_BYTES - 1));
    // 40 000 invalid bytes are 40 000 U+FFFD, 120 000 bytes of UTF-8.
    const [invalid] = splitter.push(frame(1, Buffer.concat([Buffer.from(`${TS1} `), Buffer.alloc(40_000, 0xff), Buffer.from('\n')])));
    expect(invalid!.truncated).toBe(true);
    expect(Buffer.byteLength(invalid!.text)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(invalid!.text).toMatch(/^\uFFFD+$/);
  });
});
