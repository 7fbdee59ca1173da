import { create } from '@bufbuild/protobuf';
import type { ContainerExecResult, ContainerExecSchema, LogLine } from '@infrapilot/protocol';
import { ContainerExecCommandSchema, ContainerLogsCommandSchema, type ContainerLogsResult, type ExecOutput } from '@infrapilot/protocol/agent';
import type { z } from 'zod';
import { AgentTimeoutError, AppError, CapabilityFailedError, ClientClosedRequestError, InternalError } from '../../errors.js';
import type { CommandRouter, StreamHandle } from '../../gateway/command-router.js';
import type { Actor } from '../../platform/http/request-context.js';
import type { AuditRecord } from '../audit/audit.service.js';
import { aboutContainer, type ContainerTarget, type ContainerTargets } from './container-targets.js';
import { logLineOf } from './containers.mapping.js';
import type { TargetListener } from './containers.service.js';
import { dockerTimeOf } from './log-paging.js';

export type ContainerExecOptions = z.output<typeof ContainerExecSchema>;

/** Where a person's request came from, for the audit log. */
export interface ClientInfo {
  ipAddress: string | null;
  userAgent: string | null;
}

/** What an interactive exec session tells its socket. */
export interface ExecSessionListener {
  /** The agent took the command; called before any output. */
  started(sessionId: string): void;
  output(data: Uint8Array, stream: 'stdout' | 'stderr'): void;
  exit(exitCode: number, durationMs: number): void;
  failed(error: AppError): void;
}

/** The socket's end of an exec session. */
export interface ExecSession {
  sessionId: string;
  write(data: Uint8Array): void;
  resize(columns: number, rows: number): void;
  closeStdin(): void;
  /** The person went away (or read too slowly): ends the session on the agent and audits its end. */
  close(reason: string): void;
}

export interface InteractiveExecOptions {
  command: string[];
  tty: boolean;
  columns: number;
  rows: number;
  user?: string | undefined;
}

/** What a followed log tells its socket. */
export interface LogFollowListener {
  lines(lines: LogLine[]): void;
  /** The agent ended the stream (the container stopped). */
  end(reason: string): void;
  failed(error: AppError): void;
}

/** One stream's output, kept up to a limit; what goes beyond is counted as dropped. */
class CappedOutput {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(data: Uint8Array): void {
    const room = this.limit - this.size;
    if (data.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = data.length > room ? data.subarray(0, room) : data;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Output beyond this per stream is dropped from a one-shot exec's reply. */
export const EXEC_OUTPUT_LIMIT_BYTES = 1024 * 1024;

function linesOf(result: ContainerLogsResult): LogLine[] {
  return result.lines.map(logLineOf);
}

/** The HTTP client of a one-shot exec went away before the answer: the command was cancelled on the agent. */
function execAbandoned(hostName: string): ClientClosedRequestError {
  return new ClientClosedRequestError(`The client disconnected before the command finished on ${hostName}; it was cancelled`);
}

function streamOf(output: ExecOutput): 'stdout' | 'stderr' {
  return output.stream === 'stderr' ? 'stderr' : 'stdout';
}

function asAppError(error: unknown): AppError {
  return error instanceof AppError ? error : new InternalError(error instanceof Error ? error.message : String(error), error);
}

/**
 * Commands that keep streaming: a one-shot exec (collected into one reply), an interactive
 * exec session, and a followed log. Every exec session is audited when it starts (or is
 * refused) and when it ends, with who, from where, for how long and how it ended.
 */
export class ContainerSessionsService {
  constructor(
    private readonly deps: {
      targets: ContainerTargets;
      commands: CommandRouter;
      audit: { record(entry: AuditRecord): Promise<void> };
      /** Told when an audit row could not be written (the session itself goes on). */
      onAuditFailure: (error: unknown) => void;
    },
  ) {}

  /**
   * POST .../exec: runs a command without a terminal and collects its output (1 MiB per
   * stream). `signal` is the HTTP client going away: the command is cancelled on the agent
   * rather than left running for nobody.
   */
  async exec(
    actor: Actor,
    agentId: string,
    reference: string,
    input: ContainerExecOptions,
    options: { signal?: AbortSignal; onTarget?: TargetListener } = {},
  ): Promise<ContainerExecResult> {
    const { signal } = options;
    const target = await this.deps.targets.container(actor, agentId, reference);
    options.onTarget?.({ host: target.host, containerName: target.name });
    if (signal?.aborted) throw execAbandoned(target.host.name);
    const started = performance.now();
    const stdout = new CappedOutput(EXEC_OUTPUT_LIMIT_BYTES);
    const stderr = new CappedOutput(EXEC_OUTPUT_LIMIT_BYTES);
    const take = (output: ExecOutput) => (streamOf(output) === 'stderr' ? stderr : stdout).push(output.data);
    return new Promise<ContainerExecResult>((resolve, reject) => {
      let handle: StreamHandle | undefined;
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', abandoned);
        finish();
      };
      const abandoned = () =>
        settle(() => {
          handle?.cancel();
          reject(execAbandoned(target.host.name));
        });
      const timer = setTimeout(() => {
        settle(() => {
          handle?.cancel();
          reject(
            new AgentTimeoutError(
              target.host.name,
              input.timeoutSeconds,
              `${input.command.join(' ')} did not finish within ${input.timeoutSeconds}s on ${target.host.name}; the session was closed (raise timeoutSeconds, or use the exec socket for long commands)`,
            ),
          );
        });
      }, input.timeoutSeconds * 1000);
      signal?.addEventListener('abort', abandoned, { once: true });
      try {
        handle = this.deps.commands.openStream(
          target.host.id,
          {
            case: 'containerExec',
            value: create(ContainerExecCommandSchema, {
              container: reference,
              argv: input.command,
              tty: false,
              interactive: false,
              user: input.user ?? '',
              workingDir: input.workingDir ?? '',
              env: input.env ?? [],
            }),
          },
          {
            message: (payload) => {
              if (payload.case === 'execOutput') take(payload.value);
            },
            end: (outcome) =>
              settle(() => {
                if ('error' in outcome) return reject(aboutContainer(outcome.error, target));
                if (outcome.final.case !== 'execOutput') return reject(new CapabilityFailedError('The agent answered container.exec with something else', null));
                take(outcome.final.value);
                resolve({
                  exitCode: outcome.final.value.exitCode,
                  stdout: stdout.text(),
                  stderr: stderr.text(),
                  truncated: stdout.truncated || stderr.truncated,
                  durationMs: Math.round(performance.now() - started),
                });
              }),
          },
          { agentName: target.host.name },
        );
      } catch (error) {
        settle(() => reject(aboutContainer(error, target)));
      }
    });
  }

  /**
   * Opens an interactive exec session (the exec socket). Refusals (host not found,
   * policy, Docker down) are audited and thrown; once started, the listener hears the rest.
   */
  async openExecSession(
    actor: Actor,
    agentId: string,
    reference: string,
    options: InteractiveExecOptions,
    client: ClientInfo,
    listener: ExecSessionListener,
  ): Promise<ExecSession> {
    const startBody = { agentId, command: options.command, tty: options.tty, ...(options.user ? { user: options.user } : {}) };
    const audit = (action: string, status: number, body: object) => this.audit(actor, client, action, reference, status, body);
    let target: ContainerTarget;
    try {
      target = await this.deps.targets.container(actor, agentId, reference);
    } catch (error) {
      const refusal = asAppError(error);
      await audit('container.exec_session.start', refusal.status, { ...startBody, error: refusal.code });
      throw refusal;
    }
    // From here on every row names the host, as the REST actions' rows do.
    const onHost = { ...startBody, host: target.host.name };
    const startedAt = performance.now();
    const durationMs = () => Math.round(performance.now() - startedAt);
    let sessionId = '';
    let ended = false;
    // Writes the end row once, however the session ends. The exit code is `exitStatus`:
    // the audit log redacts any field whose name contains "code".
    const recordEnd = (status: number, body: object) => {
      if (ended) return false;
      ended = true;
      void audit('container.exec_session.end', status, { sessionId, agentId, host: target.host.name, durationMs: durationMs(), ...body });
      return true;
    };
    let handle: StreamHandle;
    try {
      handle = this.deps.commands.openStream(
        target.host.id,
        {
          case: 'containerExec',
          value: create(ContainerExecCommandSchema, {
            container: reference,
            argv: options.command,
            tty: options.tty,
            interactive: true,
            columns: options.columns,
            rows: options.rows,
            user: options.user ?? '',
          }),
        },
        {
          message: (payload) => {
            if (payload.case === 'execOutput' && payload.value.data.length > 0) listener.output(payload.value.data, streamOf(payload.value));
          },
          end: (outcome) => {
            if ('error' in outcome) {
              const error = asAppError(aboutContainer(outcome.error, target));
              if (recordEnd(error.status, { exitStatus: null, error: error.code })) listener.failed(error);
              return;
            }
            const final = outcome.final;
            if (final.case !== 'execOutput') {
              const error = new CapabilityFailedError('The agent answered container.exec with something else', null);
              if (recordEnd(error.status, { exitStatus: null, error: error.code })) listener.failed(error);
              return;
            }
            if (final.value.data.length > 0) listener.output(final.value.data, streamOf(final.value));
            if (recordEnd(200, { exitStatus: final.value.exitCode })) listener.exit(final.value.exitCode, durationMs());
          },
        },
        { agentName: target.host.name },
      );
    } catch (error) {
      const refusal = asAppError(aboutContainer(error, target));
      await audit('container.exec_session.start', refusal.status, { ...onHost, error: refusal.code });
      throw refusal;
    }
    sessionId = handle.requestId;
    // Told synchronously: the agent's first output arrives on a later turn, after this frame.
    listener.started(sessionId);
    void audit('container.exec_session.start', 200, { ...onHost, sessionId });
    return {
      sessionId,
      write: (data) => handle.input({ data }),
      resize: (columns, rows) => handle.input({ columns, rows }),
      closeStdin: () => handle.input({ closeStdin: true }),
      close: (reason) => {
        if (ended) return;
        handle.cancel();
        recordEnd(200, { exitStatus: null, endedBy: reason });
      },
    };
  }

  /**
   * Follows a container's log (the log socket): `tail` lines of history (0: none, only
   * what is written from now on; 0 with `since`: all since then), then new lines until
   * the container stops or `cancel()`.
   */
  async followLogs(actor: Actor, agentId: string, reference: string, options: { tail: number; since?: string | undefined }, listener: LogFollowListener): Promise<{ cancel(): void }> {
    const target = await this.deps.targets.container(actor, agentId, reference);
    // tail 0 without `since` asks the agent for no history: it starts at its own "now",
    // on the host's clock that Docker compares with (this server's clock may differ).
    const since = options.since ? dockerTimeOf(options.since) : '';
    try {
      const handle = this.deps.commands.openStream(
        target.host.id,
        { case: 'containerLogs', value: create(ContainerLogsCommandSchema, { container: reference, tail: options.tail, since, until: '', follow: true }) },
        {
          message: (payload) => {
            if (payload.case === 'containerLogs' && payload.value.lines.length > 0) listener.lines(linesOf(payload.value));
          },
          end: (outcome) => {
            if ('error' in outcome) return listener.failed(asAppError(aboutContainer(outcome.error, target)));
            if (outcome.final.case === 'containerLogs' && outcome.final.value.lines.length > 0) listener.lines(linesOf(outcome.final.value));
            listener.end('the container stopped');
          },
        },
        { agentName: target.host.name },
      );
      return { cancel: () => handle.cancel() };
    } catch (error) {
      throw aboutContainer(error, target);
    }
  }

  private async audit(actor: Actor, client: ClientInfo, action: string, resourceId: string, status: number, body: object): Promise<void> {
    const { identity } = actor;
    try {
      await this.deps.audit.record({
        orgId: actor.org.id,
        userId: identity.kind === 'user' ? identity.userId : null,
        apiKeyId: identity.kind === 'api_key' ? identity.apiKeyId : null,
        actorLabel: identity.kind === 'user' ? identity.email : `api key ${identity.name}`,
        action,
        resourceType: 'container',
        resourceId,
        ipAddress: client.ipAddress,
        userAgent: client.userAgent,
        requestBody: body,
        responseStatus: status,
      });
    } catch (error) {
      this.deps.onAuditFailure(error);
    }
  }
}
