import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * The request ids this agent has started, so a command the server re-sends (after a
 * reconnect, or a server restart) is never run twice. Ids are recorded, and written to
 * disk when a file is given, before the command runs: at most once, not at least once.
 */
export class ExecutedRequests {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly file?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (file && existsSync(file)) {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
        for (const [id, forgetAfter] of Object.entries(saved)) this.entries.set(id, { forgetAfter });
      } catch {
        // A damaged file only loses de-duplication of in-flight requests; start afresh.
      }
    }
  }

  has(requestId: string): boolean {
    return this.entries.has(requestId);
  }

  answerOf(requestId: string): AgentMessage | undefined {
    return this.entries.get(requestId)?.answer;
  }

  /** Records that a request started; call before running it. */
  start(requestId: string, deadlineUnixMs: number): void {
    this.prune();
    this.entries.set(requestId, { forgetAfter: deadlineUnixMs + GRACE_MS });
    this.save();
  }

  finish(requestId: string, answer: AgentMessage): void {
    const entry = this.entries.get(requestId);
    if (entry) entry.answer = answer;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.forgetAfter < now) this.entries.delete(id);
    // Oldest first (Map keeps insertion order) when a flood exceeds the cap.
    for (const id of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES) break;
      this.entries.delete(id);
    }
  }

  private save(): void {
    if (!this.file) return;
    const snapshot = Object.fromEntries([...this.entries].map(([id, entry]) => [id, entry.forgetAfter]));
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(snapshot), { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
