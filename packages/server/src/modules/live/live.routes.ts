import type {} from '@fastify/websocket';
import { LIVE_CLOSE_TOKEN_EXPIRED, LIVE_PATH, type LiveEvent, type Permission } from '@infrapilot/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { Clock } from '../../platform/clock.js';
import { actorOf } from '../../platform/http/request-context.js';
import type { LiveUpdates } from './live-updates.js';

/** An API key's socket is closed after this long, like a user's when its access token expires. */
const LONGEST_SOCKET_MS = 15 * 60 * 1000;

const DESCRIPTION =
  'Offer the subprotocols `infrapilot.v1` and `bearer.<access token or API key>` (a browser cannot set headers on a WebSocket); ' +
  'pass the org as `?org=<id or slug>`. Frames are JSON `{type, ...}`: ready, agent.enrolled, agent.status_changed, agent.removed, agent.sample, ' +
  'container.changed (a Docker event changed a container), container.removed, containers.synced (a heartbeat changed a host\'s container list), ' +
  'proxy.changed (a proxy host was created, changed, re-applied or removed), proxy.drift_detected, proxy.drift_resolved (a managed nginx file was edited by hand, or matches again), ' +
  'certificate.issued, certificate.failed ' +
  '(LiveEventSchema in packages/protocol/src/api/live.ts). ' +
  `The server closes with ${LIVE_CLOSE_TOKEN_EXPIRED} when the access token expires or the credentials are no longer valid: refresh and reconnect.`;

/**
 * The socket's entry in the OpenAPI document. @fastify/websocket hides WebSocket routes
 * from it, so the document gets this path item added (platform/http/openapi.ts).
 */
export const LIVE_OPENAPI_PATHS = {
  [LIVE_PATH]: {
    get: {
      tags: ['live'],
      summary: 'WebSocket of live events (host status changes, samples, enrollments, removals) for the current org',
      description: DESCRIPTION,
      security: [],
      parameters: [{ name: 'org', in: 'query', required: false, schema: { type: 'string' }, description: 'The org to follow (id or slug); default: your first' }],
      responses: {
        101: { description: 'Switching to the WebSocket protocol `infrapilot.v1`' },
        401: { description: 'No, an invalid or an expired credential' },
        403: { description: 'Your role does not allow agents:read' },
        404: { description: 'Not a member of that org' },
      },
    },
  },
};

/** Every frame is about hosts, so reading hosts is what a socket needs. */
const LIVE_ACCESS: Permission = 'agents:read';

/** Idle connections are pinged so proxies keep them open and dead peers are noticed. */
const KEEPALIVE_MS = 30_000;

/**
 * GET /ws: one authenticated WebSocket per tab pushing host status changes and new
 * metric samples of the current org. The credential is the offered subprotocol
 * `bearer.<token>`, the org `?org=`; the guard in platform/http checks both before the upgrade.
 */
export const liveRoutes: FastifyPluginAsync<{
  live: LiveUpdates;
  clock: Clock;
  /** Runs the route guard again for the upgrade request; throws the AppError it would answer. */
  reauthenticate: (request: FastifyRequest, access: Permission) => Promise<{ org: { id: string } | null }>;
}> = async (app, { live, clock, reauthenticate }) => {
  app.route({
    method: 'GET',
    url: LIVE_PATH,
    websocket: true,
    config: { access: LIVE_ACCESS },
    handler: (socket, request) => {
      const { identity, org } = actorOf(request);
      live.add(org.id, socket, {
        // The offered subprotocols carry the credential; with the org they say what was authenticated.
        key: `${request.headers['sec-websocket-protocol'] ?? ''}|${org.id}`,
        stillValid: async () => {
          try {
            // Without ?org= the guard picks the person's first org: after they leave this
            // one it would pick another, so the org must still be the socket's.
            const now = await reauthenticate(request, LIVE_ACCESS);
            return now.org?.id === org.id;
          } catch (error) {
            // A refusal (session revoked, key revoked, member removed, role lowered) ends the socket; a database hiccup does not.
            return !(error instanceof AppError);
          }
        },
      });
      const ready: LiveEvent = { type: 'ready', orgId: org.id, at: clock.now().toISOString() };
      socket.send(JSON.stringify(ready));

      // Besides LiveUpdates' periodic re-check, a user's socket closes when its access
      // token expires and an API key's after as long; reconnecting authenticates again.
      const nowMs = clock.now().getTime();
      const expiresAtMs = identity.kind === 'user' && identity.expiresAtMs ? identity.expiresAtMs : nowMs + LONGEST_SOCKET_MS;
      const timers: NodeJS.Timeout[] = [
        setTimeout(() => socket.close(LIVE_CLOSE_TOKEN_EXPIRED, 'Credentials expired; refresh and reconnect'), Math.max(0, Math.min(expiresAtMs - nowMs, LONGEST_SOCKET_MS))),
      ];
      let alive = true;
      socket.on('pong', () => (alive = true));
      const keepalive = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, KEEPALIVE_MS);
      // The socket is one-way; anything the page sends is ignored rather than parsed.
      socket.on('message', () => {});
      socket.once('close', () => {
        clearInterval(keepalive);
        for (const timer of timers) clearTimeout(timer);
      });
    },
  });
};
