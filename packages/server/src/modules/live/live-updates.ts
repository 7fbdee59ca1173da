import type { LiveEvent } from '@infrapilot/protocol';
import type { WebSocket } from '@fastify/websocket';
import type { EventBus } from '../../platform/events/event-bus.js';

/** How often every open socket's credentials are checked again. */
const RECHECK_INTERVAL_MS = 60_000;

/** A socket whose peer reads slower than this many queued bytes is dropped; it reconnects and refetches. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Fans the bus's events out to the live sockets of the org they belong to. The web app
 * holds one socket per tab and updates its pages from these frames instead of polling.
 */
export class LiveUpdates {
  private readonly socketsByOrg = new Map<string, Set<WebSocket>>();
  private readonly rechecks = new Map<WebSocket, () => Promise<void>>();
  private readonly unsubscribe: Array<() => void>;
  private readonly recheckTimer: NodeJS.Timeout;

  constructor(bus: EventBus) {
    this.unsubscribe = [
      bus.subscribe('agent.enrolled', ({ orgId, agentId, name, at }) => this.send(orgId, { type: 'agent.enrolled', agentId, name, at })),
      bus.subscribe('agent.status_changed', ({ orgId, agentId, from, to, at }) =>
        this.send(orgId, { type: 'agent.status_changed', agentId, from, to, at } as LiveEvent),
      ),
      bus.subscribe('agent.removed', ({ orgId, agentId, at }) => this.send(orgId, { type: 'agent.removed', agentId, at })),
      bus.subscribe('agent.sampled', ({ orgId, agentId, live, point }) => this.send(orgId, { type: 'agent.sample', agentId, live, point })),
    ];
    this.recheckTimer = setInterval(() => void this.recheckAll(), RECHECK_INTERVAL_MS);
    this.recheckTimer.unref();
  }

  /**
   * Checks every open socket's credentials again (each socket's `recheck` closes it when
   * refused): a signed-out session, a revoked key or a removed member stops receiving
   * events within a minute.
   */
  async recheckAll(): Promise<void> {
    await Promise.all([...this.rechecks.values()].map((recheck) => recheck()));
  }

  /** Starts sending the org's events to a socket until it closes; `recheck` re-validates its credentials. */
  add(orgId: string, socket: WebSocket, recheck: () => Promise<void>): void {
    let sockets = this.socketsByOrg.get(orgId);
    if (!sockets) this.socketsByOrg.set(orgId, (sockets = new Set()));
    sockets.add(socket);
    this.rechecks.set(socket, recheck);
    socket.once('close', () => {
      this.rechecks.delete(socket);
      sockets.delete(socket);
      if (sockets.size === 0 && this.socketsByOrg.get(orgId) === sockets) this.socketsByOrg.delete(orgId);
    });
  }

  /** How many sockets are open (all orgs). */
  get connectedCount(): number {
    let count = 0;
    for (const sockets of this.socketsByOrg.values()) count += sockets.size;
    return count;
  }

  send(orgId: string, event: LiveEvent): void {
    const sockets = this.socketsByOrg.get(orgId);
    if (!sockets) return;
    const frame = JSON.stringify(event);
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        socket.close(1013, 'Too far behind; reconnect');
        continue;
      }
      socket.send(frame);
    }
  }

  /** Stops listening to the bus and closes every socket (server shutdown). */
  close(): void {
    clearInterval(this.recheckTimer);
    for (const stop of this.unsubscribe) stop();
    for (const sockets of this.socketsByOrg.values()) for (const socket of sockets) socket.close(1001, 'Server shutting down');
    this.socketsByOrg.clear();
  }
}
