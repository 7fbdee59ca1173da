import {
  CONTAINER_EXEC_SUFFIX,
  CONTAINER_LOG_STREAM_SUFFIX,
  EXEC_CHANNEL,
  ExecServerFrameSchema,
  LogStreamFrameSchema,
  type ExecClientFrame,
  type LogLine,
} from '@infrapilot/protocol';
import { ApiError } from './api-error.js';
import type { InfraPilotClient } from './client.js';
import { liveSocketProtocols } from './live-events.js';

/** The URL of one of a container's sockets (logs/stream or exec), with its query. */
export function containerSocketUrl(
  client: InfraPilotClient,
  agentId: string,
  container: string,
  suffix: string,
  query: Record<string, string | number | boolean | string[] | undefined>,
): URL {
  const path = `/api/v1/agents/${encodeURIComponent(agentId)}/containers/${encodeURIComponent(container)}${suffix}`;
  const url = new URL(path, `${client.baseUrl}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(one));
  }
  if (client.currentOrg) url.searchParams.set('org', client.currentOrg);
  return url;
}

/** Why a container socket ended, as the caller should tell it. */
export type SocketEnd =
  | { kind: 'ended'; reason: string }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'closed' };

/**
 * Opens a socket, first making sure the credential is current: a WebSocket cannot say
 * why it was refused, so a refusal is followed by one API call that refreshes an
 * expired access token (or says the session is gone) and one retry.
 */
function openAuthenticated(
  client: InfraPilotClient,
  url: URL,
  onRefused: (end: SocketEnd) => void,
  setup: (socket: WebSocket) => void,
  /** A harmless REST call about the same container: its error says why the socket was refused (404, 503, 400). */
  probe: () => Promise<unknown>,
): { close(): void } {
  let socket: WebSocket | null = null;
  let closedByCaller = false;
  const attempt = (retry: boolean) => {
    const credential = client.credential;
    if (!credential) return onRefused({ kind: 'error', code: 'unauthenticated', message: 'Sign in first' });
    const current = new WebSocket(url, liveSocketProtocols(credential));
    current.binaryType = 'arraybuffer';
    socket = current;
    let opened = false;
    current.addEventListener('open', () => (opened = true));
    current.addEventListener('close', () => {
      if (opened || closedByCaller) return;
      client.auth.me().then(
        () => {
          if (closedByCaller) return;
          if (retry) attempt(false);
          else
            probe().then(
              () =>
                onRefused({
                  kind: 'error',
                  code: 'forbidden',
                  message: 'The server refused the socket: your role may not allow this, or the command or its options are not valid',
                }),
              (error: unknown) =>
                onRefused(error instanceof ApiError ? { kind: 'error', code: error.code, message: error.message } : { kind: 'error', code: 'unreachable', message: String(error) }),
            );
        },
        (error: unknown) =>
          onRefused(
            error instanceof ApiError
              ? { kind: 'error', code: error.code, message: error.message }
              : { kind: 'error', code: 'unreachable', message: error instanceof Error ? error.message : String(error) },
          ),
      );
    });
    setup(current);
  };
  attempt(true);
  return {
    close() {
      closedByCaller = true;
      socket?.close(1000, 'closed');
    },
  };
}

export interface LogStreamHandlers {
  lines(lines: LogLine[]): void;
  end(end: SocketEnd): void;
  open?(): void;
}

/** Follows a container's log: `tail` lines of history, then new lines as they are written. */
export function followContainerLogs(
  client: InfraPilotClient,
  agentId: string,
  container: string,
  query: { tail?: number; since?: string },
  handlers: LogStreamHandlers,
): { close(): void } {
  let ended = false;
  const end = (value: SocketEnd) => {
    if (ended) return;
    ended = true;
    handlers.end(value);
  };
  const url = containerSocketUrl(client, agentId, container, CONTAINER_LOG_STREAM_SUFFIX, query);
  const probe = () => client.containers.logs(agentId, container, { tail: 1 });
  const handle = openAuthenticated(client, url, end, (socket) => {
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      handlers.open?.();
    });
    socket.addEventListener('message', (message) => {
      const parsed = LogStreamFrameSchema.safeParse(JSON.parse(String(message.data)));
      if (!parsed.success) return;
      const frame = parsed.data;
      if (frame.type === 'lines') handlers.lines(frame.lines);
      else if (frame.type === 'end') end({ kind: 'ended', reason: frame.reason });
      else end({ kind: 'error', code: frame.code, message: frame.message });
    });
    // Closed before it opened: openAuthenticated finds out why.
    socket.addEventListener('close', () => opened && end({ kind: 'closed' }));
  }, probe);
  return {
    close() {
      ended = true;
      handle.close();
    },
  };
}

/** Bytes of input per frame, well under the server's 64 KiB frame limit. */
const STDIN_FRAME_BYTES = 32 * 1024;

export interface ExecHandlers {
  /** Bytes the process wrote (stdout, or stderr without a TTY). */
  output(data: Uint8Array, stream: 'stdout' | 'stderr'): void;
  started?(sessionId: string): void;
  exit(exitCode: number): void;
  end(end: SocketEnd): void;
}

export interface ExecSession {
  write(data: Uint8Array | string): void;
  resize(columns: number, rows: number): void;
  closeStdin(): void;
  close(): void;
}

/** Opens an exec session in a container over its WebSocket. */
export function openExecSession(
  client: InfraPilotClient,
  agentId: string,
  container: string,
  options: { command: string[]; tty?: boolean; columns?: number; rows?: number; user?: string },
  handlers: ExecHandlers,
): ExecSession {
  let socket: WebSocket | null = null;
  let finished = false;
  const queued: (string | Uint8Array)[] = [];
  const end = (value: SocketEnd) => {
    if (finished) return;
    finished = true;
    handlers.end(value);
  };
  const url = containerSocketUrl(client, agentId, container, CONTAINER_EXEC_SUFFIX, {
    command: options.command,
    tty: options.tty ?? true,
    columns: options.columns,
    rows: options.rows,
    user: options.user,
  });
  const send = (frame: string | Uint8Array) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
    else if (!finished) queued.push(frame);
  };
  const handle = openAuthenticated(client, url, end, (current) => {
    socket = current;
    let opened = false;
    current.addEventListener('open', () => {
      opened = true;
      for (const frame of queued.splice(0)) current.send(frame);
    });
    current.addEventListener('message', (message) => {
      if (typeof message.data !== 'string') {
        const bytes = new Uint8Array(message.data as ArrayBuffer);
        if (bytes.length === 0) return;
        handlers.output(bytes.subarray(1), bytes[0] === EXEC_CHANNEL.stderr ? 'stderr' : 'stdout');
        return;
      }
      const parsed = ExecServerFrameSchema.safeParse(JSON.parse(message.data));
      if (!parsed.success) return;
      const frame = parsed.data;
      if (frame.type === 'started') handlers.started?.(frame.sessionId);
      else if (frame.type === 'exit') {
        handlers.exit(frame.exitCode);
        end({ kind: 'ended', reason: `exited with code ${frame.exitCode}` });
      } else end({ kind: 'error', code: frame.code, message: frame.message });
    });
    current.addEventListener('close', () => opened && end({ kind: 'closed' }));
  }, () => client.containers.get(agentId, container));
  const control = (frame: ExecClientFrame) => send(JSON.stringify(frame));
  return {
    write(data) {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      // The server takes frames up to 64 KiB: a large paste goes in pieces.
      for (let offset = 0; offset < bytes.length; offset += STDIN_FRAME_BYTES) {
        const piece = bytes.subarray(offset, offset + STDIN_FRAME_BYTES);
        const frame = new Uint8Array(piece.length + 1);
        frame[0] = EXEC_CHANNEL.stdin;
        frame.set(piece, 1);
        send(frame);
      }
    },
    resize: (columns, rows) => control({ type: 'resize', columns, rows }),
    closeStdin: () => control({ type: 'close_stdin' }),
    close() {
      finished = true;
      handle.close();
    },
  };
}
