import type { IncomingMessage } from 'node:http';
import Dockerode from 'dockerode';
import { CommandFailure } from '../registry.js';

/** Where Docker listens when nothing says otherwise. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** How long one Engine API call may take before Docker counts as not answering. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

// Failures of the socket itself (as opposed to an HTTP answer): Docker is not there.
const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ENOTSOCK', 'ENOTDIR', 'ETIMEDOUT']);

/** Where the agent reaches Docker, or why it will not try. */
export interface DockerSocket {
  socketPath: string;
  /** As reported to the control plane, e.g. "unix:///var/run/docker.sock". */
  endpoint: string;
  /** Set when the configuration names something the agent refuses (a TCP DOCKER_HOST). */
  problem?: string;
}

/**
 * The socket to use: the explicit option, else DOCKER_HOST when it is a unix:// URL,
 * else the default. A tcp:// or ssh:// DOCKER_HOST is refused rather than followed: the
 * agent talks to the local Engine only, over a socket only root and the docker group open.
 */
export function resolveDockerSocket(socketPath: string | undefined, environment: NodeJS.ProcessEnv = process.env): DockerSocket {
  if (socketPath) return { socketPath, endpoint: `unix://${socketPath}` };
  const dockerHost = environment.DOCKER_HOST?.trim();
  if (!dockerHost) return { socketPath: DEFAULT_DOCKER_SOCKET, endpoint: `unix://${DEFAULT_DOCKER_SOCKET}` };
  if (dockerHost.startsWith('unix://')) {
    const path = dockerHost.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET;
    return { socketPath: path, endpoint: `unix://${path}` };
  }
  return {
    socketPath: DEFAULT_DOCKER_SOCKET,
    endpoint: dockerHost,
    problem: `DOCKER_HOST=${dockerHost} is not supported: the agent reaches Docker only through a unix socket (unset DOCKER_HOST or set it to unix:///path/to/docker.sock)`,
  };
}

/** What dockerode rejects with: an HTTP answer (statusCode, json) or a socket error (code, syscall). */
interface DockerCallError extends Error {
  statusCode?: number;
  json?: { message?: string } | null;
  code?: string;
  syscall?: string;
}

/** Options of one call. */
export interface CallOptions {
  /** Stops the call early (the command was cancelled). */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The container ref the call is about, so a 404 names it. */
  container?: string;
  /** What a 404 means when it is not about a container. */
  notFound?: string;
}

/**
 * The agent's handle on the local Docker Engine: a dockerode client plus the two things
 * every caller needs, a deadline per call and Docker's failures turned into the command
 * error codes the control plane maps to HTTP (docker_unavailable, not_found, conflict...).
 */
export class DockerEngine {
  readonly client: Dockerode;
  readonly endpoint: string;
  readonly socketPath: string;
  /** Why the agent will not talk to Docker at all (configuration), if it will not. */
  readonly configurationProblem: string | undefined;

  constructor(socket: DockerSocket) {
    this.socketPath = socket.socketPath;
    this.endpoint = socket.endpoint;
    this.configurationProblem = socket.problem;
    // dockerode's own `timeout` would also cut idle log follows and event streams, so
    // deadlines are per call (AbortSignal) instead.
    this.client = new Dockerode({ socketPath: socket.socketPath });
  }

  /** Runs one Engine API call with a deadline; its failures come out as CommandFailures. */
  async call<T>(run: (signal: AbortSignal) => Promise<T>, options: CallOptions = {}): Promise<T> {
    if (this.configurationProblem) throw new CommandFailure('docker_unavailable', this.configurationProblem);
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    try {
      return await run(signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new CommandFailure('cancelled', 'Cancelled');
      if (deadline.aborted) {
        throw new CommandFailure('docker_unavailable', `the Docker Engine at ${this.endpoint} did not answer within ${Math.round(timeoutMs / 1000)} s`);
      }
      throw this.failure(error, options);
    }
  }

  /** The Engine's version (dockerode's typings omit the abort signal it accepts). */
  version(signal: AbortSignal): Promise<Dockerode.DockerVersion> {
    const version = this.client.version as unknown as (options: { abortSignal: AbortSignal }) => Promise<Dockerode.DockerVersion>;
    return version.call(this.client, { abortSignal: signal });
  }

  /** Turns what dockerode threw into the CommandFailure a person can act on. */
  failure(error: unknown, options: Pick<CallOptions, 'container' | 'notFound'> = {}): CommandFailure {
    if (error instanceof CommandFailure) return error;
    const problem = error as DockerCallError;
    const message = dockerMessage(problem);
    switch (problem.statusCode) {
      case 404:
        return new CommandFailure('not_found', options.container !== undefined ? `No container "${options.container}" on this host` : (options.notFound ?? message));
      case 409:
        return new CommandFailure('conflict', message);
      case 400:
        return new CommandFailure('invalid_argument', message);
      case undefined:
        break;
      default:
        // Docker answers 500 to some requests that are plainly wrong (a user the container
        // does not have, an image reference that does not parse): those are the caller's to fix.
        if (isBadInputMessage(message)) return new CommandFailure('invalid_argument', message);
        return new CommandFailure('failed', `Docker answered ${problem.statusCode}: ${message}`);
    }
    if (problem.code && UNREACHABLE_CODES.has(problem.code)) return new CommandFailure('docker_unavailable', this.unreachable(problem));
    return new CommandFailure('failed', `Docker call failed: ${message}`);
  }

  /** "cannot reach the Docker Engine at unix:///var/run/docker.sock (connect ENOENT)". */
  unreachable(error: unknown): string {
    const problem = error as DockerCallError;
    const reason = problem.code ? [problem.syscall, problem.code].filter(Boolean).join(' ') : dockerMessage(problem);
    return `cannot reach the Docker Engine at ${this.endpoint} (${reason})`;
  }

  /**
   * Opens a streaming GET (logs, events) and hands back the raw response, so the caller
   * controls flow (pause/resume) and parsing itself. A non-2xx answer rejects.
   */
  openStream(path: string, query: Record<string, string | number | boolean | undefined>, options: CallOptions = {}): Promise<IncomingMessage> {
    const cleaned = Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== ''));
    // Only the connection has a deadline; once open, a stream may stay open as long as it likes.
    return this.call(
      (signal) =>
        new Promise<IncomingMessage>((resolve, reject) => {
          const onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          this.client.modem.dial(
            {
              path: `${path}?`,
              method: 'GET',
              isStream: true,
              options: cleaned,
              statusCodes: { 200: true, 404: 'no such container', 400: 'bad parameter', 500: 'server error' },
            },
            (error: unknown, response: unknown) => {
              signal.removeEventListener('abort', onAbort);
              if (error) reject(error);
              else if (signal.aborted) {
                (response as IncomingMessage).destroy();
                reject(signal.reason);
              } else resolve(response as IncomingMessage);
            },
          );
        }),
      options,
    );
  }
}

// Docker's words when the request, not Docker, is wrong. "no such file or directory",
// "executable file not found" and "permission denied" count only about the program of an
// exec (`exec: "<program>": ...`) or its working directory: elsewhere they can be Docker's own trouble.
const BAD_INPUT_MESSAGES = [
  /unable to find (user|group) /i,
  /no matching entries in (passwd|group) file/i,
  /invalid reference format/i,
  /exec: "[^"]*": (stat [^:]*: )?(no such file or directory|executable file not found|permission denied|is a directory)/i,
  /chdir to cwd \("[^"]*"\) set in config\.json failed: (no such file or directory|not a directory|permission denied)/i,
];

/** Whether Docker's message says the request itself is wrong (not a failure of Docker). */
export function isBadInputMessage(message: string): boolean {
  return BAD_INPUT_MESSAGES.some((pattern) => pattern.test(message));
}

function dockerMessage(error: DockerCallError): string {
  const fromJson = error.json && typeof error.json === 'object' ? error.json.message : undefined;
  if (typeof fromJson === 'string' && fromJson) return fromJson.trim();
  // dockerode's own text: "(HTTP code 409) unexpected - <Docker's message> ".
  const text = error.message ?? String(error);
  const dash = text.indexOf(' - ');
  return (dash >= 0 ? text.slice(dash + 3) : text).trim();
}

/** An HTTP 304: start of a running container, stop of a stopped one. Success for us. */
export function isNotModified(error: unknown): boolean {
  return (error as DockerCallError | undefined)?.statusCode === 304;
}
