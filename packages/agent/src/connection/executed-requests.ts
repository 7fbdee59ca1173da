import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AgentMessage } from '@infrapilot/protocol/agent';

interface Entry {
  /** After this instant the server no longer retries the request, so we can forget it. */
  forgetAfter: number;
  /** The answer, once there is one, so a retried request gets it again without a rerun. */
  answer?: AgentMessage;
}

const MAX_ENTRIES = 10_000;
// Kept a while past the deadline, in case the server's clock runs a little behind ours.
const GRACE_MS = 5 * 60 * 1000;
const PRUNE_EVERY_MS = 10_000;
const LINE = /^(\S{1,200}) (\d{1,16})$/;

/**
 * The request ids this agent has started, so a command the server re-sends (after a
 * reconnect, or a server restart) is never run twice. Ids are recorded, and appended to
 * a log file when one is given, before the command runs: at most once, not at least once.
 * The log is one `<id> <forget-after-ms>` line per request, compacted when it has grown
 * to twice what is still remembered.
 */
export class ExecutedRequests {
  private readonly entries = new Map<string, Entry>();
  private linesInFile = 0;
  private nextPruneAt = 0;

  constructor(
    private readonly file?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!file || !existsSync(file)) return;
    // A damaged line only loses de-duplication of that one in-flight request.
    const text = readFileSync(file, 'utf8');
    let damaged = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      const match = LINE.exec(line);
      if (match) this.entries.set(match[1]!, { forgetAfter: Number(match[2]) });
      else if (line) damaged = true;
      if (line) this.linesInFile += 1;
    }
    this.prune(true);
    // Rewrite a damaged log before appending, so a torn last line cannot swallow the next one.
    if (damaged) this.compact();
  }

  has(requestId: string): boolean {
    return this.entries.has(requestId);
  }

  answerOf(requestId: string): AgentMessage | undefined {
    return this.entries.get(requestId)?.answer;
  }

  /** Records that a request started; call before running it. */
  start(requestId: string, deadlineUnixMs: number): void {
    this.prune(false);
    const forgetAfter = deadlineUnixMs + GRACE_MS;
    this.entries.set(requestId, { forgetAfter });
    if (!this.file) return;
    if (this.linesInFile > 2 * this.entries.size + 100) this.compact();
    else {
      appendFileSync(this.file, `${requestId} ${forgetAfter}\n`, { mode: 0o600 });
      this.linesInFile += 1;
    }
  }

  finish(requestId: string, answer: AgentMessage): void {
    const entry = this.entries.get(requestId);
    if (entry) entry.answer = answer;
  }

  private prune(force: boolean): void {
    const now = this.now();
    if (force || now >= this.nextPruneAt) {
      this.nextPruneAt = now + PRUNE_EVERY_MS;
      for (const [id, entry] of this.entries) if (entry.forgetAfter < now) this.entries.delete(id);
    }
    // Oldest first (Map keeps insertion order) when a flood exceeds the cap.
    for (const id of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(id);
    }
  }

  private compact(): void {
    const lines = [...this.entries].map(([id, entry]) => `${id} ${entry.forgetAfter}\n`).join('');
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, lines, { mode: 0o600 });
    renameSync(temporary, this.file!);
    this.linesInFile = this.entries.size;
  }
}
