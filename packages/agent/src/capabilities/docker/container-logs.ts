import type { IncomingMessage } from 'node:http';
import { create } from '@bufbuild/protobuf';
import { ContainerLogsResultSchema, type LogLine } from '@infrapilot/protocol/agent';
import { CommandFailure, type CommandContext, type CommandHandler, type ResultPayload } from '../registry.js';
import { commandOf, containerRef, dockerTime } from './docker-input.js';
import type { DockerEngine } from './docker-engine.js';
import { LogLineSplitter } from './log-lines.js';

/** Tuning of a followed stream; the defaults suit a person watching and a slow link alike. */
export interface LogStreamOptions {
  /** A batch goes out this long after its first line... */
  batchDelayMs?: number;
  /** ...or as soon as it has this many lines. */
  batchLines?: number;
  /** Docker's stream pauses while more messages than this wait to be written upstream. */
  maxBacklog?: number;
  /** How often a paused stream looks whether the backlog drained. */
  drainPollMs?: number;
}

/** Lines one non-following answer carries at most (the newest). */
export const MAX_LOG_LINES = 10_000;

function result(lines: LogLine[]): ResultPayload {
  return { case: 'containerLogs', value: create(ContainerLogsResultSchema, { lines }) };
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
      const response = await engine.openStream(
        `/containers/${info.Id}/logs`,
        { stdout: true, stderr: true, timestamps: true, follow: command.follow, tail: command.tail > 0 && !tailHere ? command.tail : 'all', since, until },
        { signal: context.signal, container: ref },
      );
      const splitter = new LogLineSplitter(info.Config.Tty !== true);
      if (command.follow) return follow(engine, response, splitter, context, options);
      return collect(engine, response, splitter, context.signal, tailHere ? Math.min(command.tail, MAX_LOG_LINES) : MAX_LOG_LINES);
    },
  };
}

/** Reads a finished log to its end, keeping the newest `limit` lines. */
function collect(engine: DockerEngine, response: IncomingMessage, splitter: LogLineSplitter, signal: AbortSignal, limit: number): Promise<ResultPayload> {
  return new Promise<ResultPayload>((resolve, reject) => {
    let lines: LogLine[] = [];
    const keep = (more: LogLine[]) => {
      for (const line of more) lines.push(line);
      // Trim in large steps: one copy per `limit` lines rather than one per line.
      if (lines.length > 2 * limit) lines = lines.slice(-limit);
    };
    const onAbort = () => {
      response.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    response.on('data', (chunk: Buffer) => keep(splitter.push(chunk)));
    let ended = false;
    response.once('end', () => {
      ended = true;
      signal.removeEventListener('abort', onAbort);
      keep(splitter.end());
      resolve(result(lines.slice(-limit)));
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
 * Follows a log: lines go out in batches (every batchDelayMs or batchLines, whichever
 * comes first), in order, each once. While the upstream backlog is above maxBacklog the
 * Docker stream is paused, so a slow reader slows Docker down instead of filling memory.
 * When the container stops Docker ends the stream and the rest goes out as the final answer.
 */
function follow(engine: DockerEngine, response: IncomingMessage, splitter: LogLineSplitter, context: CommandContext, options: LogStreamOptions): Promise<ResultPayload> {
  const batchDelayMs = options.batchDelayMs ?? 20;
  const batchLines = options.batchLines ?? 2_000;
  const maxBacklog = options.maxBacklog ?? 64;
  const drainPollMs = options.drainPollMs ?? 10;
  return new Promise<ResultPayload>((resolve, reject) => {
    let batch: LogLine[] = [];
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
      context.emit(result(lines));
      pauseWhileBacklogged();
    };
    const add = (lines: LogLine[]) => {
      for (const line of lines) {
        batch.push(line);
        if (batch.length >= batchLines) flush();
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
