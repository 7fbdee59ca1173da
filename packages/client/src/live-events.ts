import { LIVE_BEARER_PREFIX, LIVE_CLOSE_TOKEN_EXPIRED, LIVE_PATH, LIVE_SUBPROTOCOL, type LiveEvent, LiveEventSchema } from '@infrapilot/protocol';
import { ApiError } from './api-error.js';
import type { InfraPilotClient } from './client.js';

/** Where a live connection is: opening, receiving, or waiting to reconnect. */
export type LiveConnectionState = 'connecting' | 'live' | 'reconnecting';

export interface FollowLiveEventsOptions {
  onEvent(event: LiveEvent): void;
  onStateChange?(state: LiveConnectionState): void;
  /** Called when the server refuses the credential and it cannot be refreshed; following stops. */
  onUnauthorized?(): void;
  /** Longest wait between reconnection attempts (default 15 s). */
  maxBackoffMs?: number;
}

/** A live connection that keeps itself open until stopped. */
export interface LiveEventsFollower {
  stop(): void;
}

/** The URL of the live socket (GET /ws) of a server, acting in `org` when given. */
export function liveSocketUrl(baseUrl: string, org: string | undefined): URL {
  const url = new URL(LIVE_PATH, `${baseUrl.replace(/\/+$/, '')}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (org) url.searchParams.set('org', org);
  return url;
}

/** The subprotocols a live socket offers: ours, and the credential (a WebSocket cannot carry headers). */
export function liveSocketProtocols(credential: string): string[] {
  return [LIVE_SUBPROTOCOL, `${LIVE_BEARER_PREFIX}${credential}`];
}

/**
 * Follows the current org's live events (host status changes, samples, enrollments,
 * removals) over one WebSocket, shared by the web app and `infrapilot events`. It
 * reconnects with capped, jittered back-off; when the socket is refused or closed
 * because the credentials expired, it lets the API say whether they can be renewed.
 */
export function followLiveEvents(client: InfraPilotClient, options: FollowLiveEventsOptions): LiveEventsFollower {
  const maxBackoffMs = options.maxBackoffMs ?? 15_000;
  let socket: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const reconnectLater = () => {
    options.onStateChange?.('reconnecting');
    const delay = Math.min(maxBackoffMs, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    timer = setTimeout(connect, delay);
  };

  function connect(): void {
    if (stopped) return;
    const credential = client.credential;
    if (!credential) {
      stopped = true;
      options.onUnauthorized?.();
      return;
    }
    // A retry already said 'reconnecting' when it was scheduled.
    if (attempt === 0) options.onStateChange?.('connecting');
    let opened = false;
    const current = new WebSocket(liveSocketUrl(client.baseUrl, client.currentOrg), liveSocketProtocols(credential));
    socket = current;
    current.onopen = () => {
      opened = true;
      attempt = 0;
      options.onStateChange?.('live');
    };
    current.onmessage = (message) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const parsed = LiveEventSchema.safeParse(frame);
      if (parsed.success) options.onEvent(parsed.data);
    };
    current.onclose = (close) => {
      if (socket === current) socket = null;
      if (stopped) return;
      if (opened && close.code !== LIVE_CLOSE_TOKEN_EXPIRED) return reconnectLater();
      // Refused at the upgrade, or told the credentials expired. A WebSocket does not say
      // why, so ask the API: the request refreshes an expired access token on its own,
      // a 401 means the credentials are gone for good, anything else (the server
      // restarting) is worth another try.
      client.auth.me().then(
        () => !stopped && reconnectLater(),
        (error: unknown) => {
          if (stopped) return;
          if (error instanceof ApiError && error.status === 401) {
            stopped = true;
            options.onUnauthorized?.();
            return;
          }
          reconnectLater();
        },
      );
    };
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000, 'stopped');
      socket = null;
    },
  };
}
