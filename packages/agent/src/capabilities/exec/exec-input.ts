// An exec's stdin comes from the control plane as fast as the network carries it; the
// process reads it as fast as it likes (or never: `sleep 30`). Docker's socket says when
// to stop writing (write() returns false); what arrives meanwhile waits here, up to a
// bound, so a flood cannot fill the agent's memory.
import type { Writable } from 'node:stream';
import { CommandFailure } from '../registry.js';

/**
 * Input that may wait for the process to read it before the session is ended. Input has
 * no end-to-end flow control, so this is also how far a piped file may run ahead of a
 * process that reads it slowly: generous enough for pastes and small files.
 */
export const MAX_PENDING_INPUT_BYTES = 8 * 1024 * 1024;

function sizeText(bytes: number): string {
  const mebibytes = bytes / (1024 * 1024);
  return Number.isInteger(mebibytes) ? `${mebibytes} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** What ends a session whose input outran its process. */
export function inputOverflowFailure(maxPendingBytes = MAX_PENDING_INPUT_BYTES): CommandFailure {
  return new CommandFailure('failed', `Input arrived faster than the process reads it (more than ${sizeText(maxPendingBytes)} waiting)`);
}

/**
 * Writes stdin with backpressure: while the socket's buffer is full, input queues; it
 * is written on 'drain', in order, and end-of-input waits for it. More than
 * `maxPendingBytes` waiting (in the queue and the socket's buffer) calls `onOverflow`.
 */
export class StdinWriter {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private waitingForDrain = false;
  private endRequested = false;
  private overflowed = false;

  constructor(
    private readonly session: Writable,
    private readonly onOverflow: (failure: CommandFailure) => void,
    private readonly maxPendingBytes = MAX_PENDING_INPUT_BYTES,
  ) {}

  /** Bytes written but not yet taken by the process, plus those queued here. */
  get pendingBytes(): number {
    return this.session.writableLength + this.queuedBytes;
  }

  write(data: Uint8Array): void {
    if (data.length === 0 || this.endRequested || this.overflowed || !this.session.writable) return;
    if (this.pendingBytes + data.length > this.maxPendingBytes) {
      this.overflowed = true;
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.onOverflow(inputOverflowFailure(this.maxPendingBytes));
      return;
    }
    if (this.waitingForDrain) {
      // A copy: the message it came in can be freed.
      this.queue.push(Buffer.from(data));
      this.queuedBytes += data.length;
    } else if (!this.session.write(data)) {
      this.waitForDrain();
    }
  }

  /** Ends stdin once everything queued has been written. */
  end(): void {
    if (this.endRequested) return;
    this.endRequested = true;
    if (!this.waitingForDrain && this.session.writable) this.session.end();
  }

  private waitForDrain(): void {
    this.waitingForDrain = true;
    this.session.once('drain', () => this.drained());
  }

  private drained(): void {
    this.waitingForDrain = false;
    while (this.queue.length > 0) {
      if (!this.session.writable) return;
      const chunk = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      if (!this.session.write(chunk)) {
        this.waitForDrain();
        return;
      }
    }
    if (this.endRequested && this.session.writable) this.session.end();
  }
}
