import type {} from '@fastify/websocket';
import { LIVE_CLOSE_TOKEN_EXPIRED, LIVE_PATH, type LiveEvent } from '@infrapilot/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import { actorOf } from '../../platform/http/request-context.js';
import type { LiveUpdates } from './live-updates.js';

/** The longest a socket lives on the credentials it was opened with. */
const RECHECK_CREDENTIALS_MS = 15 * 60 * 1000;

/** Idle connections are pinged so proxies keep them open and dead peers are noticed. */
const KEEPALIVE_MS = 30_000;

/**
 * GET /ws: one authenticated WebSocket per tab pushing host status changes and new
 * metric samples of the current org. The credential is the offered subprotocol
 * `bearer.<token>`, the org `?org=`; the guard in platform/http checks both before the upgrade.
 */
export const liveRoutes: FastifyPluginAsync<{ live: LiveUpdates; clock: Clock }> = async (app, { live, clock }) => {
  app.route({
    method: 'GET',
    url: LIVE_PATH,
    websocket: true,
    config: { access: 'agents:read' },
    schema: {
      tags: ['live'],
      summary: 'WebSocket of live events (JSON frames {type, ...}) for the current org',
      description:
        'Offer the subprotocols `infrapilot.v1` and `bearer.<access token or API key>`; pass the org as `?org=`. ' +
        'Frames: ready, agent.enrolled, agent.status_changed, agent.removed, agent.sample. ' +
        `The server closes with ${LIVE_CLOSE_TOKEN_EXPIRED} when the access token expires: refresh it and reconnect.`,
    },
    handler: (socket, request) => {
      const { identity, org } = actorOf(request);
      live.add(org.id, socket);
      const ready: LiveEvent = { type: 'ready', orgId: org.id, at: clock.now().toISOString() };
      socket.send(JSON.stringify(ready));

      // Credentials are checked at the upgrade only, so no socket outlives them for long:
      // a user's closes when its access token expires, an API key's after the same 15
      // minutes, and reconnecting checks again (a revoked key or session gets no further).
      const nowMs = clock.now().getTime();
      const expiresAtMs = identity.kind === 'user' && identity.expiresAtMs ? identity.expiresAtMs : nowMs + RECHECK_CREDENTIALS_MS;
      const timers: NodeJS.Timeout[] = [
        setTimeout(() => socket.close(LIVE_CLOSE_TOKEN_EXPIRED, 'Credentials expired; refresh and reconnect'), Math.max(0, Math.min(expiresAtMs - nowMs, RECHECK_CREDENTIALS_MS))),
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
