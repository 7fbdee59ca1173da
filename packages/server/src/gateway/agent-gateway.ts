import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextKey, createContextValues, type ConnectRouter, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  AgentService,
  AsyncQueue,
  ServerMessageSchema,
  WelcomeSchema,
  type AgentMessage,
  type ContainerEvent,
  type DockerState,
  type ProxyState,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import { AppError } from '../errors.js';
import type { ServerTlsMaterial } from '../platform/crypto/internal-ca.js';
import type { AgentPrincipal, AgentsService } from '../modules/agents/agents.service.js';
import type { CommandRouter, SessionCloseReason } from './command-router.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** What TLS established about the peer, captured per request before any handler runs. */
interface PeerCertificate {
  authorized: boolean;
  authorizationError: string | undefined;
  /** SHA-256 of the client certificate's DER, when one was presented. */
  fingerprint: string | undefined;
}

const peerKey = createContextKey<PeerCertificate | undefined>(undefined, { description: 'TLS peer certificate' });
const principalKey = createContextKey<AgentPrincipal | undefined>(undefined, { description: 'authenticated agent' });

/** Largest message accepted from an agent; anything bigger is refused without being buffered. */
export const GATEWAY_READ_MAX_BYTES = 4 * 1024 * 1024;
// An agent that opens a stream must say Hello promptly; a silent stream is dropped.
const HELLO_TIMEOUT_MS = 15_000;

/** Minimal logger shape (pino's) so the gateway logs where the HTTP server logs. */
export interface GatewayLogger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Where Docker state from agents goes (the containers module). */
export interface DockerStateSink {
  /** The full state a heartbeat carries. */
  recordState(principal: AgentPrincipal, state: DockerState): Promise<void>;
  /** One container event, sent by the agent as Docker reports it. */
  recordEvent(principal: AgentPrincipal, event: ContainerEvent): Promise<void>;
}

/** Where each heartbeat's reverse proxy state goes (the proxies module): proxy_servers and drift. */
export interface ProxyStateSink {
  recordState(principal: AgentPrincipal, state: ProxyState): Promise<void>;
}

export interface AgentGatewayOptions {
  host: string;
  port: number;
  tls: ServerTlsMaterial;
  agents: AgentsService;
  commands: CommandRouter;
  logger: GatewayLogger;
  metrics: GatewayMetrics;
  docker?: DockerStateSink;
  proxy?: ProxyStateSink;
}

export interface AgentGateway {
  port: number;
  close(): Promise<void>;
}

/**
 * One answer per HTTP/2 session: its TLS peer cannot change (HTTP/2 forbids
 * renegotiation), and getPeerCertificate() builds a whole object from the DER on every
 * call, the costliest step of a heartbeat before this cache (docs/benchmarks.md).
 */
const peerCertificatesBySession = new WeakMap<object, PeerCertificate>();

function peerCertificateOfRequest(request: http2.Http2ServerRequest): PeerCertificate {
  const session = request.stream.session;
  const cached = session ? peerCertificatesBySession.get(session) : undefined;
  if (cached) return cached;
  const peer = peerCertificateOf(request.socket as TLSSocket);
  if (session) peerCertificatesBySession.set(session, peer);
  return peer;
}

function peerCertificateOf(socket: TLSSocket): PeerCertificate {
  const certificate = socket.getPeerCertificate?.();
  const raw = certificate && 'raw' in certificate ? certificate.raw : undefined;
  return {
    authorized: socket.authorized === true,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
    fingerprint: raw ? createHash('sha256').update(raw).digest('hex') : undefined,
  };
}

/** Our errors, as gRPC statuses. Internal failures keep their message to the log. */
function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof AppError) {
    const code =
      error.status === 400 ? Code.InvalidArgument
      : error.status === 401 ? Code.Unauthenticated
      : error.status === 403 ? Code.PermissionDenied
      : error.status === 404 ? Code.NotFound
      : error.status === 409 ? Code.AlreadyExists
      : error.status === 429 ? Code.ResourceExhausted
      : error.status === 503 ? Code.Unavailable
      : Code.Internal;
    return new ConnectError(code === Code.Internal ? 'internal error' : error.message, code);
  }
  return new ConnectError('internal error', Code.Internal);
}

function principalOf(context: HandlerContext): AgentPrincipal {
  const principal = context.values.get(principalKey);
  // The interceptor guarantees this; a missing principal is a wiring bug, not a peer's fault.
  if (!principal) throw new ConnectError('not authenticated', Code.Unauthenticated);
  return principal;
}

const CLOSE_STATUS: Record<SessionCloseReason, ConnectError> = {
  removed: new ConnectError('this agent was removed from the control plane', Code.PermissionDenied),
  replaced: new ConnectError('a newer connection from this agent replaced this one', Code.Aborted),
  shutdown: new ConnectError('the control plane is shutting down', Code.Unavailable),
};

/**
 * The gRPC listener agents dial (HTTP/2 + TLS). TLS asks for a client certificate but
 * does not demand one, so Register works without; for every other method an interceptor
 * requires a certificate that chains to our CA, is in date, and belongs to an agent that
 * was not removed — checked before any handler runs.
 */
export async function startAgentGateway(options: AgentGatewayOptions): Promise<AgentGateway> {
  const { agents, commands, logger } = options;

  // Our AppErrors (and anything unexpected) become gRPC statuses in one place, for every
  // method; a stream's own ConnectErrors pass through unchanged.
  const toGrpcStatus: Interceptor = (next) => async (request) => {
    try {
      return await next(request);
    } catch (error) {
      if (!(error instanceof ConnectError)) logger.warn({ err: error instanceof Error ? error.message : String(error), method: request.method.name }, 'agent call failed');
      throw toConnectError(error);
    }
  };

  const requireAgentCertificate: Interceptor = (next) => async (request) => {
    if (request.method.name === 'Register') return next(request);
    const peer = request.contextValues.get(peerKey);
    if (!peer?.fingerprint) throw new ConnectError('a client certificate is required (enroll with `infrapilot agent join`)', Code.Unauthenticated);
    if (!peer.authorized) {
      logger.warn({ reason: peer.authorizationError, fingerprint: peer.fingerprint }, 'agent certificate refused by TLS');
      throw new ConnectError(`the client certificate is not valid here (${peer.authorizationError ?? 'untrusted'})`, Code.Unauthenticated);
    }
    const check = await agents.checkCertificate(peer.fingerprint);
    if (!check.ok) {
      logger.warn({ reason: check.reason, fingerprint: peer.fingerprint }, 'agent certificate refused');
      if (check.reason === 'revoked') throw new ConnectError('this agent was removed from the control plane', Code.PermissionDenied);
      throw new ConnectError(`the client certificate is ${check.reason === 'expired' ? 'expired' : 'not known'}`, Code.Unauthenticated);
    }
    request.contextValues.set(principalKey, check.principal);
    return next(request);
  };

  const routes = (router: ConnectRouter) =>
    router.service(AgentService, {
      async register(request) {
        const registration = await agents.register({
          enrollmentToken: request.enrollmentToken,
          hostname: request.hostname,
          agentVersion: request.agentVersion,
          os: request.os,
          certificateRequest: request.certificateRequest,
          protocolVersion: request.protocolVersion,
          orgId: request.orgId,
        });
        logger.info({ agentId: registration.agentId, orgId: registration.orgId, hostname: request.hostname }, 'agent enrolled');
        return registration;
      },

      async renewCertificate(request, context) {
        return { certificatePem: await agents.renewCertificate(principalOf(context), request.certificateRequest) };
      },

      async heartbeat(request, context) {
        const principal = principalOf(context);
        const interval = await agents.recordHeartbeat(principal, request.metrics, request.agentVersion);
        if (request.docker && options.docker) {
          // Containers are a view that the next heartbeat heals: a failure here must not fail the heartbeat.
          await options.docker.recordState(principal, request.docker).catch((error: unknown) => {
            logger.warn({ agentId: principal.agentId, err: error instanceof Error ? error.message : String(error) }, 'could not record Docker state');
          });
        }
        if (request.proxy && options.proxy) {
          // Like Docker's: the next heartbeat brings the same facts again, so a failure only waits for it.
          await options.proxy.recordState(principal, request.proxy).catch((error: unknown) => {
            logger.warn({ agentId: principal.agentId, err: error instanceof Error ? error.message : String(error) }, 'could not record the proxy state');
          });
        }
        return { acknowledged: true, heartbeatIntervalSeconds: interval };
      },

      async pushMetrics(request, context) {
        return { accepted: await agents.recordBacklog(principalOf(context), request.samples) };
      },

      async *commandStream(requests, context) {
        const principal = principalOf(context);
        const inbound = requests[Symbol.asyncIterator]();
        let helloTimer: NodeJS.Timeout | undefined;
        const first = await Promise.race([
          inbound.next(),
          new Promise<never>((_, reject) => {
            helloTimer = setTimeout(() => reject(new ConnectError('expected Hello as the first message', Code.DeadlineExceeded)), HELLO_TIMEOUT_MS);
          }),
        ]).finally(() => clearTimeout(helloTimer));
        if (first.done || first.value.payload.case !== 'hello') throw new ConnectError('the first message must be Hello', Code.InvalidArgument);
        const hello = first.value.payload.value;
        // Inside a stream, errors do not pass back through the interceptors: map here.
        await agents.recordHello(principal, hello).catch((error: unknown) => {
          throw toConnectError(error);
        });

        const outbound = new AsyncQueue<ServerMessage>();
        let closedWith: ConnectError | undefined;
        const detach = commands.attach({
          agentId: principal.agentId,
          capabilities: new Set(hello.capabilities),
          deniedByPolicy: new Set(hello.deniedByPolicy),
          send: (message) => outbound.push(message),
          close: (reason) => {
            closedWith = CLOSE_STATUS[reason];
            outbound.end();
          },
        });
        logger.info({ agentId: principal.agentId, version: hello.agentVersion, capabilities: hello.capabilities }, 'agent connected');
        let containerEvents: Promise<void> = Promise.resolve();
        // Answers arrive independently of what we send; read them until the agent hangs up.
        void (async () => {
          try {
            for (let next = await inbound.next(); !next.done; next = await inbound.next()) {
              const message = next.value as AgentMessage;
              if (message.payload.case === 'containerEvent') {
                const event = message.payload.value;
                // In order: a start recorded after the die that followed it would show a dead container running.
                containerEvents = containerEvents.then(() =>
                  options.docker?.recordEvent(principal, event).catch((error: unknown) => {
                    logger.warn({ agentId: principal.agentId, err: error instanceof Error ? error.message : String(error) }, 'could not record a container event');
                  }),
                );
                continue;
              }
              commands.receive(principal.agentId, message);
            }
          } catch {
            // A reset stream ends the session the same way as a clean close.
          } finally {
            outbound.end();
          }
        })();
        try {
          yield create(ServerMessageSchema, {
            payload: { case: 'welcome', value: create(WelcomeSchema, { agentId: principal.agentId, heartbeatIntervalSeconds: agents.heartbeatIntervalSeconds }) },
          });
          for await (const message of outbound) yield message;
          if (closedWith) throw closedWith;
        } finally {
          detach();
          logger.info({ agentId: principal.agentId, reason: closedWith?.rawMessage ?? 'stream ended' }, 'agent disconnected');
        }
      },
    });

  const handler = connectNodeAdapter({
    routes,
    grpc: true,
    connect: false,
    grpcWeb: false,
    readMaxBytes: GATEWAY_READ_MAX_BYTES,
    interceptors: [options.metrics.countCalls, toGrpcStatus, requireAgentCertificate],
    contextValues: (request) => createContextValues().set(peerKey, peerCertificateOfRequest(request as http2.Http2ServerRequest)),
  });

  const server = http2.createSecureServer(
    {
      key: options.tls.keyPem,
      cert: options.tls.certificateChainPem,
      ca: options.tls.caPem,
      requestCert: true,
      rejectUnauthorized: false,
      allowHTTP1: false,
    },
    handler,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  // Every join pins the CA with a bare handshake and hangs up, and scanners do worse:
  // worth a debug line, never a warning or a crash.
  server.on('tlsClientError', (error) => logger.debug({ err: error.message }, 'agent TLS handshake ended early'));
  server.on('sessionError', (error) => logger.debug({ err: error.message }, 'agent HTTP/2 session error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    async close() {
      commands.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Give streams a moment to send their final status, then cut what is left.
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}
