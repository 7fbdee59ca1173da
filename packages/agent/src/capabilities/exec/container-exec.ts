import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { ExecOutputSchema, type ExecInput } from '@infrapilot/protocol/agent';
import type Dockerode from 'dockerode';
import { argv, commandOf, containerRef, environment, execUser, workingDir } from '../docker/docker-input.js';
import type { DockerEngine } from '../docker/docker-engine.js';
import { FrameDecoder, type OutputStream } from '../docker/log-lines.js';
import { hangUpExec } from './exec-process.js';
import { CommandFailure, type CommandContext, type CommandHandler, type ResultPayload } from '../registry.js';

// Input held while the exec starts; a person cannot type more than this in that time.
const MAX_EARLY_INPUTS = 1_000;

export interface ExecStreamOptions {
  /** Output stops being read while more messages than this wait to go upstream. */
  maxBacklog?: number;
  drainPollMs?: number;
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

/** The exit code, once Docker has recorded it (the stream can end a moment before). */
async function exitCodeOf(engine: DockerEngine, exec: Dockerode.Exec, signal: AbortSignal): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = await engine.call((callSignal) => exec.inspect({ abortSignal: callSignal }), { signal });
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    await sleep(20, undefined, { signal });
  }
  throw new CommandFailure('failed', 'The output of the command ended but Docker still reports it running');
}

/**
 * container.exec: runs argv in a container, with a terminal and stdin when asked. Output
 * goes upstream as it arrives (keystroke echo must not wait for a batch); input, resizes
 * and end-of-input come from the control plane. The last message carries the exit code.
 */
export function containerExecHandler(engine: DockerEngine, options: ExecStreamOptions = {}): CommandHandler {
  const maxBacklog = options.maxBacklog ?? 64;
  const drainPollMs = options.drainPollMs ?? 10;
  return {
    command: 'container.exec',
    streaming: true,
    handle: async (payload, context) => {
      const command = commandOf(payload, 'containerExec');
      // Registered before the first await: a terminal's first keystrokes can arrive while
      // the exec is being created, and the dispatcher drops input nobody listens to yet.
      const early: ExecInput[] = [];
      let applyInput: (input: ExecInput) => void = (input) => {
        if (early.length < MAX_EARLY_INPUTS) early.push(input);
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

      applyInput = (input) => {
        if (input.data.length > 0 && command.interactive && session.writable) session.write(input.data);
        if (input.columns > 0 && input.rows > 0 && command.tty) requestResize(input.columns, input.rows);
        if (input.closeStdin && session.writable) session.end();
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
      if (command.tty && command.columns > 0 && command.rows > 0) requestResize(command.columns, command.rows);
      for (const input of early.splice(0)) applyInput(input);

      return new Promise<ResultPayload>((resolve, reject) => {
        const frames = command.tty ? undefined : new FrameDecoder();
        let paused = false;
        let drainTimer: NodeJS.Timeout | undefined;
        let finished = false;

        const send = (data: Buffer) => {
          if (!frames) {
            context.emit(output(data, 'stdout'));
            return;
          }
          // Adjacent frames of the same stream leave as one message.
          let current: { stream: OutputStream; parts: Buffer[] } | undefined;
          for (const frame of frames.push(data)) {
            if (current && current.stream !== frame.stream) {
              context.emit(output(Buffer.concat(current.parts), current.stream));
              current = undefined;
            }
            current ??= { stream: frame.stream, parts: [] };
            current.parts.push(frame.payload);
          }
          if (current) context.emit(output(Buffer.concat(current.parts), current.stream));
        };
        // Reads everything already buffered and sends it as one message: no waiting for more.
        const pump = () => {
          if (paused || finished) return;
          const chunks: Buffer[] = [];
          for (let chunk = session.read() as Buffer | null; chunk !== null; chunk = session.read() as Buffer | null) chunks.push(chunk);
          if (chunks.length > 0) send(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
          if (context.backlog() > maxBacklog) {
            paused = true;
            drainTimer = setInterval(() => {
              if (context.backlog() > maxBacklog / 2) return;
              clearInterval(drainTimer);
              drainTimer = undefined;
              paused = false;
              pump();
            }, drainPollMs);
          }
        };
        const cleanUp = () => {
          finished = true;
          clearInterval(drainTimer);
          context.signal.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          cleanUp();
          session.destroy();
          // Docker leaves the process running when its client goes; end it ourselves.
          void hangUpExec(exec).catch(() => undefined);
          reject(context.signal.reason);
        };
        const onEnd = () => {
          if (finished) return;
          cleanUp();
          exitCodeOf(engine, exec, context.signal).then(
            (exitCode) => resolve({ case: 'execOutput', value: create(ExecOutputSchema, { exited: true, exitCode }) }),
            (error: unknown) => reject(error instanceof CommandFailure ? error : new CommandFailure('failed', describe(error))),
          );
        };
        context.signal.addEventListener('abort', onAbort, { once: true });
        session.on('readable', pump);
        session.once('end', onEnd);
        // A connection reset ends the session too; the exit code says how the command fared.
        session.once('close', onEnd);
        session.on('error', () => undefined);
        pump();
      });
    },
  };
}
