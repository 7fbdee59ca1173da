import { create, toBinary } from '@bufbuild/protobuf';
import { AgentMessageSchema, CommandErrorSchema, type AgentMessage, type ExecInput, type ServerMessage } from '@infrapilot/protocol/agent';
import { CommandFailure, type CapabilityRegistry, type CommandContext, type CommandPayload } from '../capabilities/registry.js';
import type { ExecutedRequests } from './executed-requests.js';

/** Something the dispatcher reports, for logs and tests. */
export type DispatchEvent =
  | { kind: 'executed'; requestId: string; command: string }
  | { kind: 'duplicate'; requestId: string }
  | { kind: 'refused'; requestId: string; code: string };

function errorAnswer(requestId: string, code: string, message: string): AgentMessage {
  return create(AgentMessageSchema, { requestId, payload: { case: 'error', value: create(CommandErrorSchema, { code, message }) } });
}

/**
 * The largest final answer the agent sends. The control plane refuses any message over
 * 4 MiB by dropping the whole connection, and a re-sent request would get the same
 * answer again (it is kept for replay), so a larger one would cut the host off for good.
 * Handlers bound what they produce; this is the net under them.
 */
export const MAX_ANSWER_BYTES = 3.5 * 1024 * 1024;

/** The answer, or an error saying it was too large when it is. */
export function boundedAnswer(answer: AgentMessage, maxBytes = MAX_ANSWER_BYTES): AgentMessage {
  const size = toBinary(AgentMessageSchema, answer).length;
  if (size <= maxBytes) return answer;
  const mebibytes = (size / (1024 * 1024)).toFixed(1);
  return errorAnswer(answer.requestId, 'failed', `The answer was too large to send (${mebibytes} MiB); ask for less (a smaller page, a narrower filter)`);
}

/**
 * Runs the commands that arrive on the CommandStream: at most once per request_id,
 * never past its deadline, stoppable by a Cancel. Answers go to `send`, which the
 * runtime points at whichever stream is open when the answer is ready.
 */
export class CommandDispatcher {
  private readonly running = new Map<string, AbortController>();
  /** Running streams, which end with the CommandStream they were opened on. */
  private readonly streams = new Set<string>();
  private readonly inputListeners = new Map<string, (input: ExecInput) => void>();

  constructor(
    private readonly registry: CapabilityRegistry,
    private readonly executed: ExecutedRequests,
    private readonly send: (message: AgentMessage) => void,
    private readonly onEvent: (event: DispatchEvent) => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly backlog: () => number = () => 0,
  ) {}

  /** Handles one message from the server (Welcome is the runtime's business, not ours). */
  dispatch(message: ServerMessage): void {
    const { requestId, payload } = message;
    if (payload.case === 'welcome') return;
    if (payload.case === 'cancel') {
      this.running.get(payload.value.targetRequestId)?.abort(new CommandFailure('cancelled', 'Cancelled by the control plane'));
      return;
    }
    if (payload.case === 'execInput') {
      this.inputListeners.get(requestId)?.(payload.value);
      return;
    }
    if (!requestId) return; // Nothing to answer to; a malformed command is dropped.
    if (this.executed.has(requestId)) {
      this.onEvent({ kind: 'duplicate', requestId });
      // Finished: send the same answer again. Still running: its answer will come.
      const answer = this.executed.answerOf(requestId);
      if (answer) this.send(answer);
      else if (!this.running.has(requestId)) {
        // Started by a previous run of this agent, which stopped before answering:
        // never run it again, but say so at once rather than leave the caller waiting.
        const interrupted = errorAnswer(requestId, 'interrupted', 'The agent restarted while running this command; it was not run again');
        this.executed.finish(requestId, interrupted);
        this.send(interrupted);
      }
      return;
    }
    const deadline = Number(message.deadlineUnixMs);
    const remaining = deadline - this.now();
    if (!deadline || remaining <= 0) {
      this.refuse(requestId, deadline, 'deadline_exceeded', 'The command arrived after its deadline and was not started');
      return;
    }
    const resolution = this.registry.resolve(payload.case);
    if ('error' in resolution) {
      this.refuse(requestId, deadline, resolution.error.code, resolution.error.message);
      return;
    }
    this.executed.start(requestId, deadline);
    const controller = new AbortController();
    const streaming = resolution.handler.streaming === true;
    // A stream's deadline is the last moment it may start; it then runs until it ends.
    const timer = streaming ? undefined : setTimeout(() => controller.abort(new CommandFailure('deadline_exceeded', 'The command ran past its deadline')), remaining);
    this.running.set(requestId, controller);
    if (streaming) this.streams.add(requestId);
    this.onEvent({ kind: 'executed', requestId, command: resolution.handler.command });
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    const context: CommandContext = {
      requestId,
      signal: controller.signal,
      emit: (result) => {
        if (!controller.signal.aborted) this.send(create(AgentMessageSchema, { requestId, partial: true, payload: result }));
      },
      onInput: (listener) => {
        this.inputListeners.set(requestId, listener);
      },
      backlog: this.backlog,
    };
    Promise.race([resolution.handler.handle(payload as CommandPayload, context), aborted])
      .then(
        (result) => create(AgentMessageSchema, { requestId, payload: result }),
        (error: unknown) =>
          error instanceof CommandFailure
            ? errorAnswer(requestId, error.code, error.message)
            : errorAnswer(requestId, 'failed', error instanceof Error ? error.message : String(error)),
      )
      .then((unbounded) => {
        // Checked before it is kept: a replay after a reconnect must not be too large either.
        const answer = boundedAnswer(unbounded);
        clearTimeout(timer);
        this.running.delete(requestId);
        this.streams.delete(requestId);
        this.inputListeners.delete(requestId);
        this.executed.finish(requestId, answer);
        this.send(answer);
      });
  }

  private refuse(requestId: string, deadline: number, code: string, message: string): void {
    this.onEvent({ kind: 'refused', requestId, code });
    const answer = errorAnswer(requestId, code, message);
    this.executed.start(requestId, deadline || this.now());
    this.executed.finish(requestId, answer);
    this.send(answer);
  }

  /** Ends every running stream: the CommandStream they belonged to is gone, and so is their reader. */
  abortStreams(): void {
    for (const requestId of this.streams) this.running.get(requestId)?.abort(new CommandFailure('cancelled', 'The connection to the control plane ended'));
  }

  /** Stops everything still running (the agent is shutting down). */
  abortAll(): void {
    for (const controller of this.running.values()) controller.abort(new CommandFailure('cancelled', 'The agent is shutting down'));
  }
}
