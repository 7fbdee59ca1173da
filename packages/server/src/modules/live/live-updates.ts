import { LIVE_CLOSE_TOKEN_EXPIRED, type LiveEvent } from '@infrapilot/protocol';
import type { WebSocket } from '@fastify/websocket';
import type { EventBus } from '../../platform/events/event-bus.js';

/** How often every open socket's credentials are checked again. */
const RECHECK_INTERVAL_MS = 60_000;

/** A socket whose peer reads slower than this many queued bytes is dropped; it reconnects and refetches. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * How a socket's credentials are checked again: sockets opened with the same credential
 * for the same org share one `key`, so a hundred tabs of one person cost one check.
 * `stillValid` answers false when the guard refuses them now.
 */
export interface SocketCredentials {
  key: string;
  stillValid: () => Promise<boolean>;
}

/**
 * Fans the bus's events out to the live sockets of the org they belong to. The web app
 * holds one socket per tab and updates its pages from these frames instead of polling.
 */
export class LiveUpdates {
  private readonly socketsByOrg = new Map<string, Set<WebSocket>>();
  private readonly credentials = new Map<WebSocket, SocketCredentials>();
  private readonly unsubscribe: Array<() => void>;
  private readonly recheckTimer: NodeJS.Timeout;

  constructor(bus: EventBus) {
    // The bus calls subscribers inside the publisher (a heartbeat's handler): the fan-out
    // runs on the next turn instead, so an agent's answer never waits for a thousand tabs.
    // setImmediate keeps the events in the order they were published.
    const later = (orgId: string, event: LiveEvent) => {
      // Most heartbeats belong to orgs nobody is watching: nothing to schedule.
      if (this.socketsByOrg.has(orgId)) setImmediate(() => this.send(orgId, event));
    };
    this.unsubscribe = [
      bus.subscribe('agent.enrolled', ({ orgId, agentId, name, at }) => later(orgId, { type: 'agent.enrolled', agentId, name, at })),
      bus.subscribe('agent.status_changed', ({ orgId, agentId, from, to, at }) =>
        later(orgId, { type: 'agent.status_changed', agentId, from, to, at } as LiveEvent),
      ),
      bus.subscribe('agent.removed', ({ orgId, agentId, at }) => later(orgId, { type: 'agent.removed', agentId, at })),
      bus.subscribe('agent.sampled', ({ orgId, agentId, live, point }) => later(orgId, { type: 'agent.sample', agentId, live, point })),
      bus.subscribe('container.changed', ({ orgId, agentId, container, event }) => later(orgId, { type: 'container.changed', agentId, container, event })),
      bus.subscribe('container.removed', ({ orgId, agentId, containerId, at }) => later(orgId, { type: 'container.removed', agentId, containerId, at })),
      bus.subscribe('containers.synced', ({ orgId, agentId, at }) => later(orgId, { type: 'containers.synced', agentId, at })),
      bus.subscribe('proxy.changed', ({ orgId, agentId, proxyHostId, at }) => later(orgId, { type: 'proxy.changed', agentId, proxyHostId, at })),
      bus.subscribe('proxy.drift_detected', ({ orgId, agentId, proxyHostId, domain, reason, path, at }) =>
        later(orgId, { type: 'proxy.drift_detected', agentId, proxyHostId, domain, reason, path, at }),
      ),
      bus.subscribe('proxy.drift_resolved', ({ orgId, agentId, proxyHostId, domain, at }) => later(orgId, { type: 'proxy.drift_resolved', agentId, proxyHostId, domain, at })),
      bus.subscribe('certificate.issued', ({ orgId, certificateId, at }) => later(orgId, { type: 'certificate.issued', certificateId, at })),
      // The error can quote a CA's long answer; the certificate's lastError has all of it.
      bus.subscribe('certificate.failed', ({ orgId, certificateId, error, at }) => later(orgId, { type: 'certificate.failed', certificateId, error: error.slice(0, 500), at })),
    ];
    this.recheckTimer = setInterval(() => void this.recheckAll(), RECHECK_INTERVAL_MS);
    this.recheckTimer.unref();
  }

  /**
   * Checks every open socket's credentials again and closes the refused ones: a
   * signed-out session, a revoked key or a removed member stops receiving events within
   * a minute. One check per distinct credential, one at a time, yielding in between, so
   * a thousand sockets never stall the server in one go.
   */
  async recheckAll(): Promise<void> {
    const socketsByKey = new Map<string, { stillValid: () => Promise<boolean>; sockets: WebSocket[] }>();
    for (const [socket, { key, stillValid }] of this.credentials) {
      const group = socketsByKey.get(key) ?? { stillValid, sockets: [] };
      group.sockets.push(socket);
      socketsByKey.set(key, group);
    }
    for (const { stillValid, sockets } of socketsByKey.values()) {
      if (!(await stillValid())) {
        for (const socket of sockets) socket.close(LIVE_CLOSE_TOKEN_EXPIRED, 'Credentials no longer valid; sign in or refresh and reconnect');
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Starts sending the org's events to a socket until it closes. */
  add(orgId: string, socket: WebSocket, credentials: SocketCredentials): void {
    let sockets = this.socketsByOrg.get(orgId);
    if (!sockets) this.socketsByOrg.set(orgId, (sockets = new Set()));
    sockets.add(socket);
    this.credentials.set(socket, credentials);
    socket.once('close', () => {
      this.credentials.delete(socket);
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
