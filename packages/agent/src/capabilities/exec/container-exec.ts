import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { ExecOutputSchema, type ExecInput } from '@infrapilot/protocol/agent';
import type Dockerode from 'dockerode';
import { argv, commandOf, containerRef, environment, execUser, workingDir } from '../docker/docker-input.js';
import { isBadInputMessage, type DockerEngine } from '../docker/docker-engine.js';
import { FrameDecoder, type OutputStream } from '../docker/log-lines.js';
import { hangUpExec } from './exec-process.js';
import { inputOverflowFailure, MAX_PENDING_INPUT_BYTES, StdinWriter } from './exec-input.js';
import { CommandFailure, type CommandContext, type CommandHandler, type ResultPayload } from '../registry.js';

// Input held while the exec starts; a person cannot type more than this in that time.
const MAX_EARLY_INPUTS = 1_000;

/** Output one message carries at most: far below what the control plane's gateway accepts (4 MiB). */
export const MAX_OUTPUT_CHUNK_BYTES = 256 * 1024;
// Docker's own words when the command could not start are short; more is not kept.
const MAX_START_FAILURE_BYTES = 4 * 1024;

export interface ExecStreamOptions {
  /** Output stops being read while more messages than this wait to go upstream. */
  maxBacklog?: number;
  drainPollMs?: number;
  /** Output one message carries at most (default MAX_OUTPUT_CHUNK_BYTES). */
  maxChunkBytes?: number;
}

function output(data: Uint8Array, stream: OutputStream): ResultPayload {
  return { case: 'execOutput', value: create(ExecOutputSchema, { data, stream }) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Opens the exec's hijacked connection. The deadline covers only the opening: it is not
 * handed to the HTTP request, which would tear the upgraded socket down when it fires.
 */
function startExec(engine: DockerEngine, exec: Dockerode.Exec, command: { tty: boolean; interactive: boolean }, context: CommandContext, ref: string): Promise<Duplex> {
  return engine.call(
    (signal) =>
      new Promise<Duplex>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        exec.start({ hijack: true, stdin: command.interactive, Tty: command.tty, Detach: false }).then(
          (socket) => {
            signal.removeEventListener('abort', onAbort);
            const duplex = socket as unknown as Duplex;
            if (signal.aborted) duplex.destroy();
            else resolve(duplex);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      }),
    { signal: context.signal, container: ref },
  );
}

/**
 * Sets the terminal size. Docker answers the upgrade before the process exists, so the
 * first resize can come too early; like the docker CLI, try a few times.
 */
async function resize(exec: Dockerode.Exec, columns: number, rows: number, attempts: number, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await exec.resize({ h: rows, w: columns, abortSignal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
      return;
    } catch {
      if (signal.aborted || attempt === attempts) return;
      await sleep(10 * attempt, undefined, { signal }).catch(() => undefined);
    }
  }
}

/**
 * Whether the process never ran. When Docker cannot start an exec's process (no such user,
 * no such program, no such working directory) it has already upgraded the connection, so
 * instead of an HTTP error it writes its message into the output, as stdout, and records
 * exit code 126 with no pid (Docker 20.10; a process that ran has a pid, even after it exited).
 */
function neverStarted(info: Dockerode.ExecInspectInfo): boolean {
  return !info.Running && !info.Pid && info.ExitCode !== null && info.ExitCode !== undefined;
}

/** The exit code, once Docker has recorded it (the stream can end a moment before). */
async function finalStateOf(engine: DockerEngine, exec: Dockerode.Exec, signal: AbortSignal): Promise<Dockerode.ExecInspectInfo> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = await engine.call((callSignal) => exec.inspect({ abortSignal: callSignal }), { signal });
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info;
    await sleep(20, undefined, { signal });
  }
  throw new CommandFailure('failed', 'The output of the command ended but Docker still reports it running');
}

/** Docker's message about a command it could not start, as the failure a person can act on. */
function startFailure(held: Buffer[], tty: boolean): CommandFailure {
  const raw = Buffer.concat(held);
  const bytes = tty ? raw : Buffer.concat(new FrameDecoder().push(raw).map((frame) => frame.payload));
  const said = bytes.toString('utf8', 0, Math.min(bytes.length, MAX_START_FAILURE_BYTES)).trim();
  const message = `Docker could not start the command: ${said || 'no reason given'}`;
  return new CommandFailure(isBadInputMessage(said) ? 'invalid_argument' : 'failed', message);
}

/**
 * container.exec: runs argv in a container, with a terminal and stdin when asked. Output
 * goes upstream as it arrives (keystroke echo must not wait for a batch), in messages of
 * at most maxChunkBytes; input, resizes and end-of-input come from the control plane,
 * stdin with backpressure (exec-input.ts). The last message carries the exit code. A
 * command Docker could not start fails with Docker's reason rather than running "successfully"
 * with exit code 126 and Docker's message as its output.
 */
export function containerExecHandler(engine: DockerEngine, options: ExecStreamOptions = {}): CommandHandler {
  const maxBacklog = options.maxBacklog ?? 64;
  const drainPollMs = options.drainPollMs ?? 10;
  const maxChunkBytes = options.maxChunkBytes ?? MAX_OUTPUT_CHUNK_BYTES;
  return {
    command: 'container.exec',
    streaming: true,
    handle: async (payload, context) => {
      const command = commandOf(payload, 'containerExec');
      // Registered before the first await: a terminal's first keystrokes can arrive while
      // the exec is being created, and the dispatcher drops input nobody listens to yet.
      const early: ExecInput[] = [];
      let earlyBytes = 0;
      let earlyOverflow = false;
      let applyInput: (input: ExecInput) => void = (input) => {
        earlyBytes += input.data.length;
        if (early.length < MAX_EARLY_INPUTS && earlyBytes <= MAX_PENDING_INPUT_BYTES) early.push(input);
        else earlyOverflow = true;
      };
      context.onInput((input) => applyInput(input));
      const ref = containerRef(command.container);
      const cmd = argv(command.argv);
      const env = environment(command.env);
      const user = execUser(command.user);
      const dir = workingDir(command.workingDir);
      const exec = await engine.call(
        (signal) =>
          engine.client.getContainer(ref).exec({
            Cmd: cmd,
            Tty: command.tty,
            AttachStdin: command.interactive,
            AttachStdout: true,
            AttachStderr: true,
            ...(user ? { User: user } : {}),
            ...(dir ? { WorkingDir: dir } : {}),
            ...(env.length > 0 ? { Env: env } : {}),
            abortSignal: signal,
          }),
        { signal: context.signal, container: ref },
      );
      const session = await startExec(engine, exec, command, context, ref);

      return new Promise<ResultPayload>((resolve, reject) => {
        const frames = command.tty ? undefined : new FrameDecoder();
        let paused = false;
        let drainTimer: NodeJS.Timeout | undefined;
        let finished = false;
        // Whether the process started: unknown until its first output (see neverStarted).
        let start: 'unknown' | 'confirming' | 'started' | 'failed' = 'unknown';
        const held: Buffer[] = [];
        let heldBytes = 0;

        const cleanUp = () => {
          finished = true;
          clearInterval(drainTimer);
          context.signal.removeEventListener('abort', onAbort);
        };
        /** Ends the session from our side: the process is hung up, the command fails. */
        const abandon = (reason: unknown) => {
          if (finished) return;
          cleanUp();
          session.destroy();
          // Docker leaves the process running when its client goes; end it ourselves.
          void hangUpExec(exec).catch(() => undefined);
          reject(reason);
        };
        const onAbort = () => abandon(context.signal.reason);
        const stdin = new StdinWriter(session, (failure) => abandon(failure));

        const emitBounded = (data: Buffer, stream: OutputStream) => {
          for (let offset = 0; offset < data.length; offset += maxChunkBytes) context.emit(output(data.subarray(offset, offset + maxChunkBytes), stream));
        };
        const send = (data: Buffer) => {
          if (!frames) {
            emitBounded(data, 'stdout');
            return;
          }
          // Adjacent frames of the same stream leave as one message, up to maxChunkBytes.
          let current: { stream: OutputStream; parts: Buffer[]; size: number } | undefined;
          const flush = () => {
            if (current) emitBounded(current.parts.length === 1 ? current.parts[0]! : Buffer.concat(current.parts), current.stream);
            current = undefined;
          };
          for (const frame of frames.push(data)) {
            if (current && current.stream !== frame.stream) flush();
            current ??= { stream: frame.stream, parts: [], size: 0 };
            current.parts.push(frame.payload);
            current.size += frame.payload.length;
            if (current.size >= maxChunkBytes) flush();
          }
          flush();
        };
        const hold = (data: Buffer) => {
          if (heldBytes >= MAX_START_FAILURE_BYTES + 64) return; // 64: a few frame headers
          held.push(data);
          heldBytes += data.length;
        };
        /** Asks Docker, at the first output, whether that output is the process's or Docker's "could not start". */
        const confirmStart = () => {
          start = 'confirming';
          engine.call((callSignal) => exec.inspect({ abortSignal: callSignal }), { signal: context.signal }).then(
            (info) => {
              if (finished) return;
              if (neverStarted(info)) {
                start = 'failed';
              } else {
                start = 'started';
                const waiting = held.splice(0);
                heldBytes = 0;
                if (waiting.length > 0) send(Buffer.concat(waiting));
              }
              pump();
            },
            (error: unknown) => abandon(error),
          );
        };
        const deliver = (data: Buffer) => {
          if (start === 'started') return send(data);
          // After a failed start, the rest of Docker's message (kept short).
          if (start === 'failed') return hold(data);
          // Held until Docker says whose output it is.
          held.push(data);
          heldBytes += data.length;
          if (start === 'unknown') confirmStart();
        };
        // Reads what is buffered and sends it, at most maxChunkBytes per message; stops
        // while the upstream backlog is high, and while the start is being confirmed.
        const pump = () => {
          while (!paused && !finished && start !== 'confirming') {
            const chunks: Buffer[] = [];
            let size = 0;
            for (let chunk = session.read() as Buffer | null; chunk !== null; chunk = session.read() as Buffer | null) {
              chunks.push(chunk);
              size += chunk.length;
              if (size >= maxChunkBytes) break;
            }
            if (chunks.length === 0) return;
            deliver(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
            if (context.backlog() > maxBacklog) {
              paused = true;
              drainTimer = setInterval(() => {
                if (context.backlog() > maxBacklog / 2) return;
                clearInterval(drainTimer);
                drainTimer = undefined;
                paused = false;
                pump();
              }, drainPollMs);
              return;
            }
            if (size < maxChunkBytes) return;
          }
        };
        const onEnd = () => {
          if (finished) return;
          cleanUp();
          finalStateOf(engine, exec, context.signal).then(
            (info) => {
              if (start !== 'started' && neverStarted(info)) return reject(startFailure(held, command.tty));
              // Output that ended before its start was confirmed is the process's after all.
              if (held.length > 0 && start !== 'started') send(Buffer.concat(held.splice(0)));
              resolve({ case: 'execOutput', value: create(ExecOutputSchema, { exited: true, exitCode: info.ExitCode ?? 0 }) });
            },
            (error: unknown) => reject(error instanceof CommandFailure ? error : new CommandFailure('failed', describe(error))),
          );
        };

        applyInput = (input) => {
          if (input.data.length > 0 && command.interactive) stdin.write(input.data);
          if (input.columns > 0 && input.rows > 0 && command.tty) requestResize(input.columns, input.rows);
          if (input.closeStdin) stdin.end();
        };
        // One resize at a time, the latest size winning: a retried early resize must not
        // land after, and undo, the one the person made since.
        let wantedSize: { columns: number; rows: number } | undefined;
        let resizing = false;
        const requestResize = (columns: number, rows: number) => {
          wantedSize = { columns, rows };
          if (resizing) return;
          resizing = true;
          void (async () => {
            while (wantedSize && !context.signal.aborted) {
              const size = wantedSize;
              wantedSize = undefined;
              await resize(exec, size.columns, size.rows, 10, context.signal);
            }
            resizing = false;
          })();
        };

        context.signal.addEventListener('abort', onAbort, { once: true });
        session.on('readable', pump);
        session.once('end', onEnd);
        // A connection reset ends the session too; the exit code says how the command fared.
        session.once('close', onEnd);
        session.on('error', () => undefined);
        if (command.tty && command.columns > 0 && command.rows > 0) requestResize(command.columns, command.rows);
        if (earlyOverflow) {
          abandon(inputOverflowFailure());
          return;
        }
        for (const input of early.splice(0)) applyInput(input);
        pump();
      });
    },
  };
}
