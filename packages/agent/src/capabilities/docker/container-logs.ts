import type { IncomingMessage } from 'node:http';
import { create } from '@bufbuild/protobuf';
import { ContainerLogsResultSchema, type LogLine } from '@infrapilot/protocol/agent';
import { CommandFailure, type CommandContext, type CommandHandler, type ResultPayload } from '../registry.js';
import { commandOf, containerRef, dockerTime } from './docker-input.js';
import type { DockerEngine } from './docker-engine.js';
import { LogLineSplitter } from './log-lines.js';

// Every message to the control plane must stay far below what its gateway accepts (4 MiB,
// and a larger message drops the host's whole connection). A line is at most 64 KiB
// (log-lines.ts); these bound how many go in one message.

/** Lines one non-following answer carries at most (the newest): the control plane pages with tail = page + lines seen, up to 10 000 + 10 000. */
export const MAX_LOG_LINES = 20_000;
/** What the lines of one non-following answer weigh at most (see lineWeight): the newest that fit. */
export const MAX_PAGE_BYTES = 2 * 1024 * 1024;
/** What one batch of a followed log weighs at most. */
export const MAX_BATCH_BYTES = 512 * 1024;

/** Tuning of a followed stream; the defaults suit a person watching and a slow link alike. */
export interface LogStreamOptions {
  /** A batch goes out this long after its first line... */
  batchDelayMs?: number;
  /** ...or as soon as it has this many lines... */
  batchLines?: number;
  /** ...or weighs this much (default MAX_BATCH_BYTES). */
  batchBytes?: number;
  /** Docker's stream pauses while more messages than this wait to be written upstream. */
  maxBacklog?: number;
  /** How often a paused stream looks whether the backlog drained. */
  drainPollMs?: number;
}

// How often a page whose tail may have started mid-line asks Docker again for 8 times as many messages.
const MAX_TAIL_RETRIES = 3;

/** What a line adds to a message: its text and timestamp in UTF-8, plus the protobuf framing around them. */
export function lineWeight(line: LogLine): number {
  return Buffer.byteLength(line.text) + line.timestamp.length + 16;
}

function result(lines: LogLine[], limited = false): ResultPayload {
  return { case: 'containerLogs', value: create(ContainerLogsResultSchema, { lines, limited }) };
}

/**
 * container.logs: a page of history, or (follow) history and then new lines as they are
 * written, in batches, until the container stops or the control plane cancels.
 */
export function containerLogsHandler(engine: DockerEngine, options: LogStreamOptions = {}): CommandHandler {
  return {
    command: 'container.logs',
    streaming: true,
    handle: async (payload, context) => {
      const command = commandOf(payload, 'containerLogs');
      const ref = containerRef(command.container);
      const since = dockerTime(command.since, 'since');
      const until = dockerTime(command.until, 'until');
      // A TTY container's log is one raw stream; the others are multiplexed.
      const info = await engine.call((signal) => engine.client.getContainer(ref).inspect({ abortSignal: signal }), { signal: context.signal, container: ref });
      // Docker applies `tail` to the whole log before `until`: "the last 100 lines up to T"
      // would come back as whatever of the last 100 lines is older than T. So with an
      // `until`, ask for everything up to T and keep the last `tail` lines here. (`since`
      // is fine: the lines after an instant are the end of the log.)
      const tailHere = until !== undefined && command.tail > 0 && !command.follow;
      const multiplexed = info.Config.Tty !== true;
      const open = (tail: number | 'all') =>
        engine.openStream(`/containers/${info.Id}/logs`, { stdout: true, stderr: true, timestamps: true, follow: command.follow, tail, since, until }, { signal: context.signal, container: ref });
      if (command.follow) return follow(engine, await open(followTail(command.tail, since)), new LogLineSplitter(multiplexed), context, options);

      const wanted = command.tail > 0 ? command.tail : Infinity;
      const keep = Math.min(wanted, MAX_LOG_LINES);
      // Docker's tail counts its messages, not lines, and a line longer than 16 KiB is
      // several messages: "the last 10" can be four lines, the first of them only the end
      // of a line. So when the page may have started mid-line and is short, ask for more.
      let messages = tailHere || command.tail === 0 ? 0 : command.tail;
      for (let attempt = 0; ; attempt++) {
        const page = await collect(engine, await open(messages > 0 ? messages : 'all'), new LogLineSplitter(multiplexed), context.signal, keep);
        const wholeLog = messages === 0 || page.messages < messages;
        // When something older than the kept lines was dropped, the first kept line is whole.
        if (wholeLog || page.seen > page.lines.length) return result(page.lines, page.lines.length < Math.min(page.seen, wanted));
        if (attempt === MAX_TAIL_RETRIES) return result(page.lines.slice(1), true);
        messages *= 8;
      }
    },
  };
}

/**
 * Docker's `tail` for a follow. tail 0 means "all" for a page, but for a follow without
 * `since` it means "no history, only what is written from now on": the control plane
 * need not guess the host's "now". (A follow with `since` and tail 0 gets all since then.)
 */
function followTail(tail: number, since: string | undefined): number | 'all' {
  if (tail > 0) return tail;
  return since === undefined ? 0 : 'all';
}

/** The newest lines seen, within a line cap and a weight budget; older ones are dropped as newer ones come. */
class NewestLines {
  private lines: LogLine[] = [];
  private weights: number[] = [];
  private head = 0;
  private weight = 0;
  /** Lines seen, kept or not. */
  seen = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  add(line: LogLine): void {
    const weight = lineWeight(line);
    this.seen += 1;
    this.lines.push(line);
    this.weights.push(weight);
    this.weight += weight;
    while (this.lines.length - this.head > this.maxLines || this.weight > this.maxBytes) {
      this.weight -= this.weights[this.head]!;
      this.head += 1;
    }
    // Compact in large steps: one copy per many dropped lines rather than one per line.
    if (this.head > 4_096 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    }
  }

  kept(): LogLine[] {
    return this.lines.slice(this.head);
  }
}

/** What one read of a finished log kept. */
interface Page {
  /** The newest lines, oldest first. */
  lines: LogLine[];
  /** Lines read, kept or not. */
  seen: number;
  /** Docker's messages read (a line longer than 16 KiB is several). */
  messages: number;
}

/** Reads a finished log to its end, keeping the newest `keep` lines that fit in MAX_PAGE_BYTES. */
function collect(engine: DockerEngine, response: IncomingMessage, splitter: LogLineSplitter, signal: AbortSignal, keep: number): Promise<Page> {
  return new Promise<Page>((resolve, reject) => {
    const newest = new NewestLines(keep, MAX_PAGE_BYTES);
    const add = (more: LogLine[]) => {
      for (const line of more) newest.add(line);
    };
    const onAbort = () => {
      response.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => add(splitter.push(chunk)));
    let ended = false;
    response.once('end', () => {
      ended = true;
      signal.removeEventListener('abort', onAbort);
      add(splitter.end());
      resolve({ lines: newest.kept(), seen: newest.seen, messages: splitter.messages });
    });
    response.once('close', () => {
      if (ended) return;
      signal.removeEventListener('abort', onAbort);
      reject(new CommandFailure('docker_unavailable', `lost the Docker Engine at ${engine.endpoint} while reading the log`));
    });
    response.on('error', () => {
      // 'close' follows and reports it.
    });
  });
}

/**
 * Follows a log: lines go out in batches (every batchDelayMs, batchLines or batchBytes,
 * whichever comes first), in order, each once. While the upstream backlog is above maxBacklog the
 * Docker stream is paused, so a slow reader slows Docker down instead of filling memory.
 * When the container stops Docker ends the stream and the rest goes out as the final answer.
 */
function follow(engine: DockerEngine, response: IncomingMessage, splitter: LogLineSplitter, context: CommandContext, options: LogStreamOptions): Promise<ResultPayload> {
  const batchDelayMs = options.batchDelayMs ?? 20;
  const batchLines = options.batchLines ?? 2_000;
  const batchBytes = options.batchBytes ?? MAX_BATCH_BYTES;
  const maxBacklog = options.maxBacklog ?? 64;
  const drainPollMs = options.drainPollMs ?? 10;
  return new Promise<ResultPayload>((resolve, reject) => {
    let batch: LogLine[] = [];
    let batchWeight = 0;
    let batchTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let ended = false;

    const stopTimers = () => {
      clearTimeout(batchTimer);
      clearInterval(drainTimer);
      batchTimer = undefined;
      drainTimer = undefined;
    };
    const pauseWhileBacklogged = () => {
      if (drainTimer || context.backlog() <= maxBacklog) return;
      response.pause();
      drainTimer = setInterval(() => {
        // Resume at half the bound, so the stream does not flap around the limit.
        if (context.backlog() > maxBacklog / 2) return;
        clearInterval(drainTimer);
        drainTimer = undefined;
        if (!ended) response.resume();
      }, drainPollMs);
    };
    const flush = () => {
      clearTimeout(batchTimer);
      batchTimer = undefined;
      if (batch.length === 0) return;
      const lines = batch;
      batch = [];
      batchWeight = 0;
      context.emit(result(lines));
      pauseWhileBacklogged();
    };
    const add = (lines: LogLine[]) => {
      for (const line of lines) {
        batch.push(line);
        batchWeight += lineWeight(line);
        if (batch.length >= batchLines || batchWeight >= batchBytes) flush();
      }
      if (batch.length > 0 && !batchTimer) batchTimer = setTimeout(flush, batchDelayMs);
    };
    const onAbort = () => {
      ended = true;
      stopTimers();
      response.destroy();
      reject(context.signal.reason);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => add(splitter.push(chunk)));
    response.once('end', () => {
      ended = true;
      stopTimers();
      context.signal.removeEventListener('abort', onAbort);
      // Whatever has not gone out yet, plus a last line without its newline, is the final answer.
      const rest = batch.concat(splitter.end());
      batch = [];
      resolve(result(rest));
    });
    response.once('close', () => {
      if (ended) return;
      // Closed without an end: Docker went away mid-stream.
      ended = true;
      stopTimers();
      context.signal.removeEventListener('abort', onAbort);
      reject(new CommandFailure('docker_unavailable', `lost the Docker Engine at ${engine.endpoint} while following the log`));
    });
    response.on('error', () => {
      // 'close' follows and reports it.
    });
  });
}
