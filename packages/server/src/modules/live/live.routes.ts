import type {} from '@fastify/websocket';
import { LIVE_CLOSE_TOKEN_EXPIRED, LIVE_PATH, type LiveEvent } from '@infrapilot/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import { actorOf } from '../../platform/http/request-context.js';
import type { LiveUpdates } from './live-updates.js';

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

      const timers: NodeJS.Timeout[] = [];
      if (identity.kind === 'user' && identity.expiresAtMs) {
        const remaining = Math.max(0, identity.expiresAtMs - clock.now().getTime());
        timers.push(setTimeout(() => socket.close(LIVE_CLOSE_TOKEN_EXPIRED, 'Access token expired; refresh and reconnect'), remaining));
      }
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
