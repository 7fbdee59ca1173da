// Docker's log stream, turned into lines. Asked with timestamps=true, Docker writes each
// log message as "<RFC 3339 nano timestamp> <text>". For a container without a TTY the
// messages are multiplexed: each is one frame with an 8-byte header (stream type, 3
// zero bytes, big-endian length). For a TTY container it is one raw byte stream.
// A line longer than Docker's 16 KiB copy buffer arrives as several messages of exactly
// 16 KiB without a newline, each with its own timestamp; they join into one line here.
// Nothing here grows without bound: a line is kept up to MAX_LINE_BYTES and the rest of
// it is counted but dropped (a TTY progress bar redrawn with "\r" can be megabytes long
// without a single newline).
import { create } from '@bufbuild/protobuf';
import { LogLineSchema, type LogLine } from '@infrapilot/protocol/agent';

export type OutputStream = 'stdout' | 'stderr';

/** The text one LogLine carries at most, in UTF-8 bytes; a longer line is cut and marked truncated. */
export const MAX_LINE_BYTES = 64 * 1024;

// Docker's log copier emits a line that fills its buffer as a partial message of this size.
const DOCKER_PARTIAL_BYTES = 16 * 1024;
// "<timestamp> " is at most 40 characters and a space.
const MAX_PREFIX_BYTES = 41;

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
const CARRIAGE_RETURN = 0x0d;

/** The largest cut at or below `limit` that does not split a UTF-8 character. */
function utf8Cut(bytes: Buffer, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let cut = limit;
  // bytes[cut] is the first byte left out: while it continues a character, that character starts earlier.
  while (cut > 0 && limit - cut < 3 && (bytes[cut]! & 0xc0) === 0x80) cut -= 1;
  return cut;
}

/** A line still waiting for its newline: its first timestamp and at most MAX_LINE_BYTES + 1 of its bytes. */
class PendingLine {
  readonly parts: Buffer[] = [];
  size = 0;
  /** Bytes arrived beyond what is kept. */
  overflow = false;

  constructor(readonly timestamp: string) {}

  append(bytes: Buffer): void {
    // One byte past the limit is kept, so the cut can tell whether it splits a character.
    const room = MAX_LINE_BYTES + 1 - this.size;
    if (bytes.length > room) this.overflow = true;
    const kept = bytes.length > room ? bytes.subarray(0, Math.max(room, 0)) : bytes;
    if (kept.length === 0) return;
    // A copy, so the chunk it came from can be freed.
    this.parts.push(Buffer.from(kept));
    this.size += kept.length;
  }

  bytes(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

/**
 * Splits Docker's log output into LogLines: the timestamp moves into its own field, a
 * trailing partial line waits for its newline, a line over MAX_LINE_BYTES is cut and
 * marked truncated, invalid UTF-8 becomes U+FFFD (decoding happens per whole line, so a
 * character cut between two chunks stays intact).
 */
export class LogLineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private readonly frames = new FrameDecoder();
  /** Multiplexed: per stream, the line whose newline has not come yet. */
  private readonly pending = new Map<OutputStream, PendingLine>();
  // TTY mode reads the raw stream as: at a message start, "<timestamp> "; then text until
  // a newline (the message and the line end) or DOCKER_PARTIAL_BYTES (the message ends,
  // the line goes on in the next message, after that message's timestamp).
  private atMessageStart = true;
  /** TTY mode: the start of a message too short yet to tell whether it has a timestamp. */
  private prefix: Buffer = Buffer.alloc(0);
  private messageBytes = 0;
  private current: PendingLine | undefined;
  private messageCount = 0;

  /** @param multiplexed false for a TTY container, whose output is one raw stream. */
  constructor(private readonly multiplexed: boolean) {}

  /** Feeds one chunk as it came off the socket; returns the lines it completed, in order. */
  push(chunk: Buffer): LogLine[] {
    const lines: LogLine[] = [];
    if (this.multiplexed) {
      for (const frame of this.frames.push(chunk)) {
        this.messageCount += 1;
        this.message(frame.stream, frame.payload, lines);
      }
    } else {
      this.raw(chunk, lines);
    }
    return lines;
  }

  /** Docker's messages seen so far (its `tail` counts these, not lines). */
  get messages(): number {
    return this.messageCount;
  }

  /** Bytes held for lines not yet complete (bounded: about MAX_LINE_BYTES per stream). */
  get buffered(): number {
    let bytes = this.frames.buffered + this.prefix.length + (this.current?.size ?? 0);
    for (const pending of this.pending.values()) bytes += pending.size;
    return bytes;
  }

  /** The stream ended: whatever is left is a last line without its newline. */
  end(): LogLine[] {
    const lines: LogLine[] = [];
    if (this.prefix.length > 0) {
      this.current ??= new PendingLine('');
      this.current.append(this.prefix);
      this.prefix = Buffer.alloc(0);
    }
    if (this.current) lines.push(this.finish('stdout', this.current));
    this.current = undefined;
    this.atMessageStart = true;
    for (const stream of ['stdout', 'stderr'] as const) {
      const pending = this.pending.get(stream);
      if (pending) lines.push(this.finish(stream, pending));
    }
    this.pending.clear();
    return lines;
  }

  /** One Docker log message of a multiplexed stream: "<timestamp> <text>", the text ending in a newline unless partial. */
  private message(stream: OutputStream, payload: Buffer, lines: LogLine[]): void {
    let timestamp = '';
    let text = payload;
    const space = payload.subarray(0, MAX_PREFIX_BYTES).indexOf(SPACE);
    if (space > 0) {
      const candidate = payload.toString('latin1', 0, space);
      if (TIMESTAMP.test(candidate)) {
        timestamp = candidate;
        text = payload.subarray(space + 1);
      }
    }
    let start = 0;
    for (let newline = text.indexOf(NEWLINE); newline >= 0; newline = text.indexOf(NEWLINE, start)) {
      const piece = text.subarray(start, newline);
      const pending = this.pending.get(stream);
      if (pending) {
        pending.append(piece);
        this.pending.delete(stream);
        lines.push(this.finish(stream, pending));
      } else {
        lines.push(this.line(stream, timestamp, piece, false));
      }
      start = newline + 1;
    }
    if (start < text.length) {
      let pending = this.pending.get(stream);
      if (!pending) {
        pending = new PendingLine(timestamp);
        this.pending.set(stream, pending);
      }
      pending.append(text.subarray(start));
    }
  }

  /** A TTY container's raw stream. */
  private raw(chunk: Buffer, lines: LogLine[]): void {
    // The waiting prefix is at most MAX_PREFIX_BYTES, so this copy is rare and small.
    const data = this.prefix.length === 0 ? chunk : Buffer.concat([this.prefix, chunk]);
    this.prefix = Buffer.alloc(0);
    let offset = 0;
    while (offset < data.length) {
      if (this.atMessageStart) {
        const window = data.subarray(offset, offset + MAX_PREFIX_BYTES);
        const space = window.indexOf(SPACE);
        const newline = window.indexOf(NEWLINE);
        if (space < 0 && newline < 0 && window.length < MAX_PREFIX_BYTES) {
          this.prefix = Buffer.from(window);
          return;
        }
        this.atMessageStart = false;
        this.messageBytes = 0;
        this.messageCount += 1;
        const candidate = space > 0 && (newline < 0 || space < newline) ? window.toString('latin1', 0, space) : '';
        if (TIMESTAMP.test(candidate)) {
          // A continuation keeps the timestamp its line started with.
          this.current ??= new PendingLine(candidate);
          offset += space + 1;
        } else {
          this.current ??= new PendingLine('');
        }
        continue;
      }
      const room = DOCKER_PARTIAL_BYTES - this.messageBytes;
      // Only the rest of this message is searched: a long chunk is not scanned once per message.
      const found = data.subarray(offset, offset + room).indexOf(NEWLINE);
      const newline = found >= 0 ? offset + found : -1;
      if (newline < 0 && data.length - offset >= room) {
        // The message filled Docker's buffer: the line goes on after the next timestamp.
        this.current!.append(data.subarray(offset, offset + room));
        offset += room;
        this.atMessageStart = true;
      } else if (newline >= 0) {
        this.current!.append(data.subarray(offset, newline));
        lines.push(this.finish('stdout', this.current!));
        this.current = undefined;
        this.atMessageStart = true;
        offset = newline + 1;
      } else {
        this.current!.append(data.subarray(offset));
        this.messageBytes += data.length - offset;
        offset = data.length;
      }
    }
  }

  private finish(stream: OutputStream, pending: PendingLine): LogLine {
    return this.line(stream, pending.timestamp, pending.bytes(), pending.overflow);
  }

  private line(stream: OutputStream, timestamp: string, raw: Buffer, overflow: boolean): LogLine {
    let bytes = raw;
    let truncated = overflow || bytes.length > MAX_LINE_BYTES;
    if (truncated) bytes = bytes.subarray(0, utf8Cut(bytes, MAX_LINE_BYTES));
    // A TTY ends lines with CRLF; the CR is part of the newline, not of the text.
    else if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    let text = this.decoder.decode(bytes);
    // Each invalid byte became U+FFFD, three bytes: the text can outgrow the bytes it came from.
    if (text.length > MAX_LINE_BYTES / 3 && Buffer.byteLength(text) > MAX_LINE_BYTES) {
      const encoded = Buffer.from(text);
      text = encoded.toString('utf8', 0, utf8Cut(encoded, MAX_LINE_BYTES));
      truncated = true;
    }
    return create(LogLineSchema, { stream, timestamp, text, truncated });
  }
}
