import type { WebSocket } from '@fastify/websocket';
import {
  CONTAINER_EXEC_SUFFIX,
  CONTAINER_LOG_STREAM_SUFFIX,
  ContainerExecSocketQuerySchema,
  ContainerLogStreamQuerySchema,
  ContainerParamsSchema,
  EXEC_CHANNEL,
  ExecClientFrameSchema,
  LIVE_SUBPROTOCOL,
  type ExecServerFrame,
  type LogStreamFrame,
} from '@infrapilot/protocol';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, UnauthenticatedError, ValidationError } from '../../errors.js';
import { clientInfoOf } from '../../platform/http/client-info.js';
import { actorOf, type Identity } from '../../platform/http/request-context.js';
import type { SocketEntitlements } from '../../platform/http/socket-entitlements.js';
import type { ContainerSessionsService, ExecSession } from './container-sessions.service.js';

/**
 * Close codes of the container sockets. A failure found after the upgrade is sent as an
 * `error` frame first, then the socket closes with 4000 + the HTTP status the same
 * failure has on the REST API (4404 not found, 4403 policy_denied, 4503 agent offline or
 * Docker unavailable, ...). 1000 is a normal end (the process exited, the container
 * stopped); 1013 a reader too slow to keep up.
 */
export const CONTAINER_SOCKET_CLOSE = {
  normal: 1000,
  tooSlow: 1013,
  errorBase: 4000,
} as const;

/** Past this many bytes queued for a peer, the socket is closed: a slow reader must not grow memory without bound. */
export const SOCKET_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const KEEPALIVE_MS = 30_000;

const AUTHENTICATION =
  'Offer the subprotocols `infrapilot.v1` and `bearer.<access token or API key>` (a browser cannot set headers on a WebSocket) and pass the org as `?org=<id or slug>`; ' +
  'the credential, role and org are checked before the upgrade (401, 403, 404). ';
const CLOSE_CODES =
  'A failure found after the upgrade (unknown host or container, agent offline, Docker unavailable, policy_denied) is sent as `{"type":"error","code","message"}` ' +
  'and the socket closes with 4000 + its HTTP status (e.g. 4404, 4403, 4503). The server closes with 1013 when the reader falls more than 8 MiB behind.';

const LOG_STREAM_DESCRIPTION =
  AUTHENTICATION +
  'Frames are JSON (LogStreamFrameSchema): `{"type":"lines","lines":[{stream,timestamp,text}]}` — `tail` lines of history first (0: none, only what is written from then on by the host\'s clock; 0 with `since`: everything since then), then new lines as the container writes them; ' +
  '`{"type":"end","reason":"the container stopped"}` then close 1000; or an `error` frame. Close the socket to stop following. ' +
  CLOSE_CODES;

const EXEC_DESCRIPTION =
  AUTHENTICATION +
  'The query string (which holds the command) is not written to the request log. ' +
  'Needs containers:exec and a host whose policy file allows exec (`capabilities: { exec: true }`). Binary frames carry bytes with one leading channel byte ' +
  '(EXEC_CHANNEL): client → server 0 = stdin; server → client 1 = stdout, 2 = stderr (a TTY has only stdout). Text frames are JSON control messages: ' +
  'client → server `{"type":"resize","columns","rows"}` and `{"type":"close_stdin"}` (anything else is ignored); server → client `{"type":"started","sessionId"}` first, ' +
  '`{"type":"exit","exitCode","durationMs"}` then close 1000, or an `error` frame. Closing the socket ends the session. Every session is audited when it starts and ends ' +
  '(container.exec_session.start / .end). ' +
  CLOSE_CODES;

/** Sends JSON frames and binary output to a socket, refusing to queue without bound. */
class SocketWriter {
  constructor(
    private readonly socket: WebSocket,
    private readonly onTooSlow: () => void,
  ) {}

  private room(): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > SOCKET_MAX_BUFFERED_BYTES) {
      this.onTooSlow();
      this.socket.close(CONTAINER_SOCKET_CLOSE.tooSlow, 'Reading too slowly; reconnect');
      return false;
    }
    return true;
  }

  json(frame: LogStreamFrame | ExecServerFrame): void {
    if (this.room()) this.socket.send(JSON.stringify(frame));
  }

  binary(channel: number, data: Uint8Array): void {
    if (!this.room()) return;
    const frame = Buffer.allocUnsafe(data.length + 1);
    frame[0] = channel;
    frame.set(data, 1);
    this.socket.send(frame);
  }

  /** An error frame, then the close code that goes with it. */
  fail(error: unknown, log: FastifyBaseLogger): void {
    // An internal error's message stays in the log.
    const known = error instanceof AppError && error.status !== 500 ? error : undefined;
    if (!known) log.error({ err: error }, 'container socket failed');
    const code = known?.code ?? 'internal_error';
    const message = known?.message ?? 'Internal server error';
    this.json({ type: 'error', code, message });
    if (this.socket.readyState === this.socket.OPEN) {
      // A close reason is at most 123 bytes.
      this.socket.close(CONTAINER_SOCKET_CLOSE.errorBase + (known?.status ?? 500), Buffer.from(code).subarray(0, 123).toString());
    }
  }

  close(reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(CONTAINER_SOCKET_CLOSE.normal, reason.slice(0, 120));
  }
}

/** Pings an idle socket so proxies keep it open and a vanished peer is noticed. */
function keepAlive(socket: WebSocket): void {
  let alive = true;
  socket.on('pong', () => (alive = true));
  const timer = setInterval(() => {
    if (!alive) return socket.terminate();
    alive = false;
    socket.ping();
  }, KEEPALIVE_MS);
  socket.once('close', () => clearInterval(timer));
}

/** A plain GET of a socket's URL: say how to use it instead of a bare 404. */
function notAnUpgrade(): never {
  throw new ValidationError('This is a WebSocket endpoint: open it with a WebSocket (Upgrade: websocket), offering the subprotocols infrapilot.v1 and bearer.<token>');
}

function asBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/**
 * GET /agents/:id/containers/:cid/logs/stream and GET /agents/:id/containers/:cid/exec:
 * a followed log and an interactive exec session, each over one WebSocket. The route
 * guard authenticates the upgrade like any route; the path and query are validated
 * before it too. These routes are in the OpenAPI document with their frames described.
 */
export const containerSocketRoutes: FastifyPluginAsyncZod<{
  sessions: ContainerSessionsService;
  /** Where open sockets are re-checked every minute. */
  entitlements: SocketEntitlements;
  /** Whether the caller may still do `access` in the org (session or key valid, member, role). */
  stillEntitled: (identity: Identity, orgId: string, access: 'containers:read' | 'containers:exec') => Promise<boolean>;
}> = async (app, { sessions, entitlements, stillEntitled }) => {
  const tags = ['containers'];

  /** Until the socket closes, a revoked session or key, a removed member or a lowered role ends it. */
  const entitle = (socket: WebSocket, request: FastifyRequest, access: 'containers:read' | 'containers:exec', writer: SocketWriter, end: () => void) => {
    const { identity, org } = actorOf(request);
    const forget = entitlements.add({
      stillHolds: () => stillEntitled(identity, org.id, access),
      revoke: () => {
        end();
        writer.fail(new UnauthenticatedError('Your access ended (signed out, key revoked, or role changed); this socket is closed'), request.log);
      },
    });
    socket.once('close', forget);
  };
  const switching = z.null().describe(`Switching to the WebSocket protocol ${LIVE_SUBPROTOCOL}`);

  app.route({
    method: 'GET',
    url: `/agents/:id/containers/:cid${CONTAINER_LOG_STREAM_SUFFIX}`,
    config: { access: 'containers:read' },
    schema: {
      tags,
      summary: "WebSocket: follow a container's log",
      description: LOG_STREAM_DESCRIPTION,
      params: ContainerParamsSchema,
      querystring: ContainerLogStreamQuerySchema,
      response: { 101: switching },
    },
    handler: notAnUpgrade,
    wsHandler: (socket, request) => {
      const { id, cid } = request.params;
      let follow: { cancel(): void } | undefined;
      let closed = false;
      const writer = new SocketWriter(socket, () => follow?.cancel());
      keepAlive(socket);
      entitle(socket, request, 'containers:read', writer, () => follow?.cancel());
      // One-way: what the page sends is ignored rather than parsed.
      socket.on('message', () => {});
      socket.once('close', () => {
        closed = true;
        follow?.cancel();
      });
      sessions
        .followLogs(actorOf(request), id, cid, { tail: request.query.tail, since: request.query.since }, {
          lines: (lines) => writer.json({ type: 'lines', lines }),
          end: (reason) => {
            writer.json({ type: 'end', reason });
            writer.close(reason);
          },
          failed: (error) => writer.fail(error, request.log),
        })
        .then(
          (handle) => {
            if (closed) handle.cancel();
            else follow = handle;
          },
          (error: unknown) => writer.fail(error, request.log),
        );
    },
  });

  app.route({
    method: 'GET',
    url: `/agents/:id/containers/:cid${CONTAINER_EXEC_SUFFIX}`,
    config: { access: 'containers:exec' },
    schema: {
      tags,
      summary: 'WebSocket: an interactive exec session (a shell) in a container',
      description: EXEC_DESCRIPTION,
      params: ContainerParamsSchema,
      querystring: ContainerExecSocketQuerySchema,
      response: { 101: switching },
    },
    handler: notAnUpgrade,
    wsHandler: (socket, request) => {
      const { id, cid } = request.params;
      const { command, tty, columns, rows, user } = request.query;
      let session: ExecSession | undefined;
      let closed = false;
      // Listen at once: frames the client sends while the session opens are applied once it has.
      const early: (() => void)[] = [];
      const writer = new SocketWriter(socket, () => session?.close('the reader fell too far behind'));
      keepAlive(socket);
      entitle(socket, request, 'containers:exec', writer, () => session?.close('access revoked'));

      const apply = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        if (!session) return;
        if (isBinary) {
          const bytes = asBuffer(data);
          if (bytes.length > 1 && bytes[0] === EXEC_CHANNEL.stdin) session.write(bytes.subarray(1));
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(asBuffer(data).toString('utf8'));
        } catch {
          return;
        }
        // A control frame this server does not know (a newer client's) is ignored, not fatal.
        const frame = ExecClientFrameSchema.safeParse(parsed);
        if (!frame.success) return;
        if (frame.data.type === 'resize') session.resize(frame.data.columns, frame.data.rows);
        else session.closeStdin();
      };
      socket.on('message', (data, isBinary) => {
        if (session) apply(data, isBinary);
        else early.push(() => apply(data, isBinary));
      });
      socket.once('close', () => {
        closed = true;
        session?.close('the client closed the socket');
      });

      const client = clientInfoOf(request);
      sessions
        .openExecSession(actorOf(request), id, cid, { command, tty, columns, rows, user }, { ipAddress: client.ip, userAgent: client.userAgent }, {
          started: (sessionId) => writer.json({ type: 'started', sessionId }),
          output: (data, stream) => writer.binary(stream === 'stderr' ? EXEC_CHANNEL.stderr : EXEC_CHANNEL.stdout, data),
          exit: (exitCode, durationMs) => {
            writer.json({ type: 'exit', exitCode, durationMs });
            writer.close(`exited with code ${exitCode}`);
          },
          failed: (error) => writer.fail(error, request.log),
        })
        .then(
          (opened) => {
            session = opened;
            if (closed) return opened.close('the client closed the socket');
            for (const frame of early.splice(0)) frame();
          },
          (error: unknown) => writer.fail(error, request.log),
        );
    },
  });
};
