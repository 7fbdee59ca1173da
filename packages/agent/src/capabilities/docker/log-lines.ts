// Docker's log stream, turned into lines. Asked with timestamps=true, Docker writes each
// log message as "<RFC 3339 nano timestamp> <text>". For a container without a TTY the
// messages are multiplexed: each is one frame with an 8-byte header (stream type, 3
// zero bytes, big-endian length). For a TTY container it is one raw byte stream.
// A message longer than Docker's 16 KiB buffer arrives as several messages without a
// newline, each with its own timestamp; they join into one line here.
import { create } from '@bufbuild/protobuf';
import { LogLineSchema, type LogLine } from '@infrapilot/protocol/agent';

export type OutputStream = 'stdout' | 'stderr';

/** One frame of Docker's multiplexed stream. */
export interface Frame {
  stream: OutputStream;
  payload: Buffer;
}

const HEADER_BYTES = 8;

/**
 * Reassembles frames from chunks cut anywhere (mid-header, mid-payload). Type 0 (stdin
 * echo) and 1 are stdout, 2 is stderr, as Docker's stdcopy defines them.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (data.length - offset >= HEADER_BYTES) {
      const length = data.readUInt32BE(offset + 4);
      if (data.length - offset - HEADER_BYTES < length) break;
      const type = data[offset]!;
      frames.push({ stream: type === 2 ? 'stderr' : 'stdout', payload: data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length) });
      offset += HEADER_BYTES + length;
    }
    // Copy the remainder so the (possibly large) chunk it came from can be freed.
    this.pending = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get buffered(): number {
    return this.pending.length;
  }
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const NEWLINE = 0x0a;
const SPACE = 0x20;

interface PartialLine {
  timestamp: string;
  parts: Buffer[];
}

/**
 * Splits Docker's log output into LogLines: the timestamp moves into its own field, a
 * trailing partial line waits for its newline, invalid UTF-8 becomes U+FFFD (decoding
 * happens per whole line, so a character cut between two chunks stays intact).
 */
export class LogLineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private readonly frames = new FrameDecoder();
  private readonly partial = new Map<OutputStream, PartialLine>();
  /** TTY mode: bytes after the last newline, which may still lack their timestamp's end. */
  private rawPending: Buffer = Buffer.alloc(0);

  /** @param multiplexed false for a TTY container, whose output is one raw stream. */
  constructor(private readonly multiplexed: boolean) {}

  /** Feeds one chunk as it came off the socket; returns the lines it completed, in order. */
  push(chunk: Buffer): LogLine[] {
    const lines: LogLine[] = [];
    if (this.multiplexed) {
      for (const frame of this.frames.push(chunk)) this.message(frame.stream, frame.payload, lines);
      return lines;
    }
    const data = this.rawPending.length === 0 ? chunk : Buffer.concat([this.rawPending, chunk]);
    let start = 0;
    for (let newline = data.indexOf(NEWLINE, start); newline >= 0; newline = data.indexOf(NEWLINE, start)) {
      this.message('stdout', data.subarray(start, newline + 1), lines);
      start = newline + 1;
    }
    this.rawPending = start === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(start));
    return lines;
  }

  /** The stream ended: whatever is left is a last line without its newline. */
  end(): LogLine[] {
    const lines: LogLine[] = [];
    if (this.rawPending.length > 0) {
      this.message('stdout', this.rawPending, lines);
      this.rawPending = Buffer.alloc(0);
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const partial = this.partial.get(stream);
      if (partial) lines.push(this.line(stream, partial.timestamp, partial.parts));
    }
    this.partial.clear();
    return lines;
  }

  /** One Docker log message: "<timestamp> <text>", the text ending in a newline unless partial. */
  private message(stream: OutputStream, payload: Buffer, lines: LogLine[]): void {
    let timestamp = '';
    let text = payload;
    const space = payload.indexOf(SPACE);
    if (space > 0 && space <= 40) {
      const candidate = payload.toString('latin1', 0, space);
      if (TIMESTAMP.test(candidate)) {
        timestamp = candidate;
        text = payload.subarray(space + 1);
      }
    }
    let start = 0;
    for (let newline = text.indexOf(NEWLINE); newline >= 0; newline = text.indexOf(NEWLINE, start)) {
      const piece = text.subarray(start, newline);
      const partial = this.partial.get(stream);
      if (partial) {
        partial.parts.push(piece);
        this.partial.delete(stream);
        lines.push(this.line(stream, partial.timestamp, partial.parts));
      } else {
        lines.push(this.line(stream, timestamp, [piece]));
      }
      start = newline + 1;
    }
    if (start < text.length) {
      const rest = Buffer.from(text.subarray(start));
      const partial = this.partial.get(stream);
      if (partial) partial.parts.push(rest);
      else this.partial.set(stream, { timestamp, parts: [rest] });
    }
  }

  private line(stream: OutputStream, timestamp: string, parts: Buffer[]): LogLine {
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    // A TTY ends lines with CRLF; the CR is part of the newline, not of the text.
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    return create(LogLineSchema, { stream, timestamp, text: this.decoder.decode(bytes) });
  }
}
