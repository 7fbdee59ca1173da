// Helpers for tests against the machine's real dockerd: containers made with the docker
// CLI (so a test checks the agent against an independent witness), each named uniquely
// and labelled infrapilot.test=1 so parallel files and a leftover sweep never collide.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ExecInputSchema, ServerMessageSchema, type ExecInput } from '@infrapilot/protocol/agent';
import type { AgentCommandName } from '@infrapilot/protocol/agent';
import { CommandFailure, type Capability, type CommandContext, type CommandHandler, type CommandPayload, type ResultPayload } from '../capabilities/registry.js';

const run = promisify(execFile);

/** The busybox image setup-system.sh imports (no registry is reachable: never pull). */
export const DOCKER_TEST_IMAGE = process.env.DOCKER_TEST_IMAGE ?? 'infrapilot-test/busybox:latest';
export const TEST_LABEL = 'infrapilot.test=1';

/** Runs the docker CLI with an argv array; resolves with its trimmed stdout. */
export async function docker(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`);
  }
}

/** A name no other test (or test run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/**
 * `docker run -d` (or `docker create` when created is set) of the test image; returns the
 * full container id. `flags` go before the image, `command` after it.
 */
export async function startContainer(name: string, command: string[], flags: string[] = [], options: { created?: boolean } = {}): Promise<string> {
  const verb = options.created ? ['create'] : ['run', '-d'];
  return docker([...verb, '--name', name, '--label', TEST_LABEL, ...flags, DOCKER_TEST_IMAGE, ...command]);
}

/** Docker's state of a container ("running", "exited"...), or "missing". */
export async function containerStatus(name: string): Promise<string> {
  try {
    return await docker(['inspect', '-f', '{{.State.Status}}', name]);
  } catch {
    return 'missing';
  }
}

/** Removes containers (and their anonymous volumes) by name, ignoring those already gone. */
export async function removeContainers(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await docker(['rm', '-f', '-v', ...names]).catch(() => undefined);
}

/** Waits until a condition holds, polling; fails with the message after the timeout. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, message: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out: ${message}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/** The handler that serves a command among capabilities. */
export function handlerFor(capabilities: Capability[], command: AgentCommandName): CommandHandler {
  for (const capability of capabilities) {
    const handler = capability.handlers.find((candidate) => candidate.command === command);
    if (handler) return handler;
  }
  throw new Error(`No handler for ${command}`);
}

type ServerPayloadInit = NonNullable<MessageInitShape<typeof ServerMessageSchema>['payload']>;

/** A command payload as the dispatcher hands it over, built from a plain init object. */
export function payload(init: ServerPayloadInit): CommandPayload {
  return create(ServerMessageSchema, { payload: init }).payload as CommandPayload;
}

/** A CommandContext that records what a handler emits and lets the test send input, cancel, and fake a backlog. */
export interface FakeContext {
  context: CommandContext;
  emitted: ResultPayload[];
  /** Sends ExecInput as the control plane would. */
  input(init: MessageInitShape<typeof ExecInputSchema>): void;
  cancel(): void;
  /** What backlog() answers from now on. */
  setBacklog(value: number): void;
  /** How many times the handler asked for the backlog. */
  backlogChecks(): number;
}

export function fakeContext(): FakeContext {
  const controller = new AbortController();
  const emitted: ResultPayload[] = [];
  let listener: ((input: ExecInput) => void) | undefined;
  let backlog = 0;
  let checks = 0;
  return {
    context: {
      requestId: randomUUID(),
      signal: controller.signal,
      emit: (result) => {
        if (!controller.signal.aborted) emitted.push(result);
      },
      onInput: (next) => {
        listener = next;
      },
      backlog: () => {
        checks += 1;
        return backlog;
      },
    },
    emitted,
    input: (init) => listener?.(create(ExecInputSchema, init)),
    cancel: () => controller.abort(new CommandFailure('cancelled', 'Cancelled by the test')),
    setBacklog: (value) => {
      backlog = value;
    },
    backlogChecks: () => checks,
  };
}

/** Runs a handler and returns the CommandFailure it threw (fails the test when it succeeds or throws something else). */
export async function failureOf(promise: Promise<unknown>): Promise<CommandFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommandFailure) return error;
    throw error;
  }
  throw new Error('Expected the command to fail, but it succeeded');
}
