import { create } from '@bufbuild/protobuf';
import {
  CancelSchema,
  COMMAND_ARMS,
  ServerMessageSchema,
  ExecInputSchema,
  type AgentCommandName,
  type AgentMessage,
  type ExecInput,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import {
  AgentOfflineError,
  AgentTimeoutError,
  AppError,
  CapabilityFailedError,
  CapabilityUnavailableError,
  ConflictError,
  DockerUnavailableError,
  NotFoundError,
  PolicyDeniedError,
  ProxyConfigInvalidError,
  ProxyUnavailableError,
  ValidationError,
} from '../errors.js';
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
  /** Command names the agent knows but its host's policy forbids. */
  deniedByPolicy?: ReadonlySet<string>;
  send(message: ServerMessage): void;
  /** Ends the stream at once: the agent was removed, reconnected elsewhere, or we are shutting down. */
  close(reason: SessionCloseReason): void;
}

interface PendingCommand {
  agentId: string;
  agentName: string;
  message: ServerMessage;
  resolve(result: ResultPayload): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** An open stream: the agent's session it runs on and where its messages go. */
interface OpenStream {
  agentId: string;
  session: AgentSession;
  agentName: string;
  listener: StreamListener;
}

/** Told what a stream (followed logs, an exec session) brings, until it ends. */
export interface StreamListener {
  /** A partial message: more follow. */
  message(payload: ResultPayload): void;
  /** The end: the last message on success, or why it failed (the agent went away included). */
  end(outcome: { final: ResultPayload } | { error: AppError }): void;
}

/** The control plane's end of a stream. */
export interface StreamHandle {
  requestId: string;
  /** Keystrokes, a resize or end of input, for an exec session. */
  input(input: Partial<Pick<ExecInput, 'data' | 'columns' | 'rows' | 'closeStdin'>>): void;
  /** Asks the agent to stop; `end` is not called after this. */
  cancel(): void;
}

export interface SendOptions {
  /** How long the caller waits; also the deadline the agent is given. */
  timeoutMs?: number;
  /** Used in error messages ("Agent web-1 is offline"). */
  agentName?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The HTTP-facing error for a CommandError an agent answered with. */
export function agentErrorFor(agentName: string, code: string, text: string): AppError {
  switch (code) {
    case 'deadline_exceeded':
      return new AgentTimeoutError(agentName, 0, `The agent stopped the command at its deadline: ${text}`);
    case 'forbidden_by_policy':
      return new PolicyDeniedError(`Agent ${agentName} refused: ${text}`);
    case 'docker_unavailable':
      return new DockerUnavailableError(`Docker is not available on ${agentName}: ${text}`);
    case 'proxy_unavailable':
      return new ProxyUnavailableError(`The reverse proxy is not available on ${agentName}: ${text}`);
    case 'proxy_config_invalid':
      return new ProxyConfigInvalidError(`nginx on ${agentName} refused the configuration (nothing was changed): ${text}`);
    case 'not_found':
      return new NotFoundError('Resource', text);
    case 'conflict':
      return new ConflictError(text);
    case 'invalid_argument':
      return new ValidationError(text);
    default:
      return new CapabilityFailedError(`The agent could not run the command (${code}): ${text}`, { code, message: text });
  }
}

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
  private readonly streams = new Map<string, OpenStream>();

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
    if (previous && previous !== session) {
      previous.close('replaced');
      this.endStreamsOf(previous);
    }
    for (const command of this.pending.values()) {
      if (command.agentId === session.agentId) session.send(command.message);
    }
    return () => {
      if (this.sessions.get(session.agentId) === session) this.sessions.delete(session.agentId);
      // A stream lives on one CommandStream: the agent ends it there too.
      this.endStreamsOf(session);
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
    if (session) this.endStreamsOf(session);
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
    const refusal = this.refusalOf(session, commandName, agentName);
    if (refusal) return Promise.reject(refusal);
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
      this.pending.set(requestId, { agentId, agentName, message, resolve, reject, timer });
      session.send(message);
    });
    answer.then(
      () => settled('ok'),
      (error: unknown) => settled(error instanceof AppError ? error.code : 'internal_error'),
    );
    return answer;
  }

  private refusalOf(session: AgentSession, commandName: AgentCommandName, agentName: string): AppError | undefined {
    if (session.capabilities.has(commandName)) return undefined;
    if (session.deniedByPolicy?.has(commandName)) {
      return new PolicyDeniedError(
        `The policy file of ${agentName} (/etc/infrapilot/agent.yaml) does not allow "${commandName}"` +
          (commandName === 'container.exec' ? '; the host owner can allow it with `capabilities: { exec: true }`' : ''),
      );
    }
    return new CapabilityUnavailableError(agentName, commandName);
  }

  /**
   * Opens a stream: a command whose answers keep coming (followed logs, an exec
   * session) until it ends, is cancelled, or the agent's CommandStream closes. Unlike
   * send(), a stream is never re-sent on reconnect: its reader would have to start over.
   * Throws at once when the agent is offline or does not offer the command.
   */
  openStream(agentId: string, payload: CommandPayload, listener: StreamListener, options: SendOptions = {}): StreamHandle {
    const agentName = options.agentName ?? agentId;
    const session = this.sessions.get(agentId);
    if (!session) throw new AgentOfflineError(agentName);
    const refusal = this.refusalOf(session, commandNameOf(payload.case), agentName);
    if (refusal) throw refusal;
    const requestId = newId();
    this.streams.set(requestId, { agentId, session, agentName, listener });
    session.send(
      create(ServerMessageSchema, { requestId, deadlineUnixMs: BigInt(this.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS)), payload }),
    );
    return {
      requestId,
      input: (input) => {
        if (!this.streams.has(requestId)) return;
        session.send(create(ServerMessageSchema, { requestId, payload: { case: 'execInput', value: create(ExecInputSchema, input) } }));
      },
      cancel: () => {
        if (!this.streams.delete(requestId)) return;
        session.send(
          create(ServerMessageSchema, { requestId: newId(), payload: { case: 'cancel', value: create(CancelSchema, { targetRequestId: requestId }) } }),
        );
      },
    };
  }

  /** Streams open right now (for /metrics and tests). */
  get openStreamCount(): number {
    return this.streams.size;
  }

  private endStreamsOf(session: AgentSession): void {
    for (const [requestId, stream] of this.streams) {
      if (stream.session !== session) continue;
      this.streams.delete(requestId);
      stream.listener.end({ error: new AgentOfflineError(stream.agentName) });
    }
  }

  private receiveOnStream(stream: OpenStream, message: AgentMessage): void {
    const { payload } = message;
    if (payload.case === 'hello' || payload.case === undefined) return;
    if (payload.case === 'error') {
      this.streams.delete(message.requestId);
      stream.listener.end({ error: agentErrorFor(stream.agentName, payload.value.code, payload.value.message) });
      return;
    }
    if (message.partial) {
      stream.listener.message(payload);
      return;
    }
    this.streams.delete(message.requestId);
    stream.listener.end({ final: payload });
  }

  /** An answer from an agent's stream. Answers to requests we no longer wait for are dropped. */
  receive(agentId: string, message: AgentMessage): void {
    const stream = this.streams.get(message.requestId);
    if (stream) {
      if (stream.agentId === agentId) this.receiveOnStream(stream, message);
      return;
    }
    const command = this.pending.get(message.requestId);
    // Only the agent the command went to can answer it.
    if (!command || command.agentId !== agentId) return;
    // A unary command answers once; stray partial messages are not its answer.
    if (message.partial) return;
    clearTimeout(command.timer);
    this.pending.delete(message.requestId);
    const { payload } = message;
    if (payload.case === 'error') {
      const { code, message: text } = payload.value;
      command.reject(agentErrorFor(command.agentName, code, text));
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
    for (const session of this.sessions.values()) {
      session.close('shutdown');
      this.endStreamsOf(session);
    }
    this.sessions.clear();
    for (const command of this.pending.values()) {
      clearTimeout(command.timer);
      command.reject(new AgentOfflineError(command.agentId));
    }
    this.pending.clear();
  }
}
