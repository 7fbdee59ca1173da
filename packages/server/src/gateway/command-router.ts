import { create } from '@bufbuild/protobuf';
import {
  CancelSchema,
  COMMAND_ARMS,
  ServerMessageSchema,
  type AgentCommandName,
  type AgentMessage,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import { AgentOfflineError, AppError, AgentTimeoutError, CapabilityFailedError, CapabilityUnavailableError } from '../errors.js';
import { newId } from '../platform/ids.js';

/** The command arms of ServerMessage's oneof (not Welcome or Cancel). */
export type CommandPayload = Extract<ServerMessage['payload'], { case: (typeof COMMAND_ARMS)[AgentCommandName] }>;
/** What an agent answers with when it succeeds. */
export type ResultPayload = Exclude<AgentMessage['payload'], { case: 'hello' | 'error' | undefined }>;

export type SessionCloseReason = 'removed' | 'replaced' | 'shutdown';

/** One open CommandStream, as the router sees it. */
export interface AgentSession {
  agentId: string;
  /** Command names the agent announced in Hello. */
  capabilities: ReadonlySet<string>;
  send(message: ServerMessage): void;
  /** Ends the stream at once: the agent was removed, reconnected elsewhere, or we are shutting down. */
  close(reason: SessionCloseReason): void;
}

interface PendingCommand {
  agentId: string;
  message: ServerMessage;
  resolve(result: ResultPayload): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface SendOptions {
  /** How long the caller waits; also the deadline the agent is given. */
  timeoutMs?: number;
  /** Used in error messages ("Agent web-1 is offline"). */
  agentName?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function commandNameOf(arm: CommandPayload['case']): AgentCommandName {
  return (Object.entries(COMMAND_ARMS).find(([, value]) => value === arm)?.[0] ?? arm) as AgentCommandName;
}

/**
 * Sends commands down agents' CommandStreams and matches answers by request_id. A
 * command waits for its answer until its deadline, across a reconnect of the agent:
 * when the agent comes back, what it has not answered is sent again with the same
 * request_id, and the agent's de-duplication makes sure it runs once.
 */
export class CommandRouter {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly pending = new Map<string, PendingCommand>();

  /**
   * `now` is wall-clock time, not the app's Clock: a deadline is an instant the agent
   * compares with its own clock, so it must be real time even when tests move the app's.
   */
  constructor(
    private readonly now: () => number = Date.now,
    /** Told how each command ended (for /metrics): "ok" or the error code. */
    private readonly onSettled: (command: string, outcome: string, seconds: number) => void = () => {},
  ) {}

  /** Registers a session; a newer session of the same agent replaces (and closes) the older. */
  attach(session: AgentSession): () => void {
    const previous = this.sessions.get(session.agentId);
    this.sessions.set(session.agentId, session);
    if (previous && previous !== session) previous.close('replaced');
    for (const command of this.pending.values()) {
      if (command.agentId === session.agentId) session.send(command.message);
    }
    return () => {
      if (this.sessions.get(session.agentId) === session) this.sessions.delete(session.agentId);
    };
  }

  isConnected(agentId: string): boolean {
    return this.sessions.has(agentId);
  }

  get connectedCount(): number {
    return this.sessions.size;
  }

  /** Closes the agent's stream, if open, and fails what it was asked. */
  disconnect(agentId: string, reason: SessionCloseReason): void {
    const session = this.sessions.get(agentId);
    this.sessions.delete(agentId);
    session?.close(reason);
    for (const [requestId, command] of this.pending) {
      if (command.agentId !== agentId) continue;
      clearTimeout(command.timer);
      this.pending.delete(requestId);
      command.reject(new AgentOfflineError(agentId));
    }
  }

  /** Sends a command and waits for the agent's answer. */
  send(agentId: string, payload: CommandPayload, options: SendOptions = {}): Promise<ResultPayload> {
    const agentName = options.agentName ?? agentId;
    const session = this.sessions.get(agentId);
    if (!session) return Promise.reject(new AgentOfflineError(agentName));
    const commandName = commandNameOf(payload.case);
    if (!session.capabilities.has(commandName)) return Promise.reject(new CapabilityUnavailableError(agentName, commandName));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const requestId = newId();
    const message = create(ServerMessageSchema, {
      requestId,
      deadlineUnixMs: BigInt(this.now() + timeoutMs),
      payload,
    });
    // The agent stops the command at its deadline and says so; we wait a little longer
    // for that answer, and only cancel from here when it does not come.
    const waitMs = timeoutMs + Math.min(1_000, Math.max(100, timeoutMs / 10));
    const started = performance.now();
    const settled = (outcome: string) => this.onSettled(commandName, outcome, (performance.now() - started) / 1000);
    const answer = new Promise<ResultPayload>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        this.sessions.get(agentId)?.send(
          create(ServerMessageSchema, { requestId: newId(), payload: { case: 'cancel', value: create(CancelSchema, { targetRequestId: requestId }) } }),
        );
        reject(new AgentTimeoutError(agentName, Math.round(timeoutMs / 100) / 10));
      }, waitMs);
      this.pending.set(requestId, { agentId, message, resolve, reject, timer });
      session.send(message);
    });
    answer.then(
      () => settled('ok'),
      (error: unknown) => settled(error instanceof AppError ? error.code : 'internal_error'),
    );
    return answer;
  }

  /** An answer from an agent's stream. Answers to requests we no longer wait for are dropped. */
  receive(agentId: string, message: AgentMessage): void {
    const command = this.pending.get(message.requestId);
    // Only the agent the command went to can answer it.
    if (!command || command.agentId !== agentId) return;
    clearTimeout(command.timer);
    this.pending.delete(message.requestId);
    const { payload } = message;
    if (payload.case === 'error') {
      const { code, message: text } = payload.value;
      if (code === 'deadline_exceeded') command.reject(new AgentTimeoutError(agentId, 0, `The agent stopped the command at its deadline: ${text}`));
      else command.reject(new CapabilityFailedError(`The agent could not run the command (${code}): ${text}`, { code, message: text }));
      return;
    }
    if (payload.case === 'hello' || payload.case === undefined) {
      command.reject(new CapabilityFailedError('The agent answered with an empty message', null));
      return;
    }
    command.resolve(payload);
  }

  /** Fails every waiting command and forgets every session (server shutdown). */
  close(): void {
    for (const session of this.sessions.values()) session.close('shutdown');
    this.sessions.clear();
    for (const command of this.pending.values()) {
      clearTimeout(command.timer);
      command.reject(new AgentOfflineError(command.agentId));
    }
    this.pending.clear();
  }
}
