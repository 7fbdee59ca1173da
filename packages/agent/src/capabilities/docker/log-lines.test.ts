import { describe, expect, it } from 'vitest';
import { FrameDecoder, LogLineSplitter } from './log-lines.js';

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
