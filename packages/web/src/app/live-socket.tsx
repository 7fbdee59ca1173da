import { LIVE_BEARER_PREFIX, LIVE_CLOSE_TOKEN_EXPIRED, LIVE_PATH, LIVE_SUBPROTOCOL, type LiveEvent, LiveEventSchema } from '@infrapilot/protocol';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { api } from './api';

export type LiveState = 'connecting' | 'live' | 'reconnecting';
type Listener = (event: LiveEvent) => void;

interface LiveValue {
  state: LiveState;
  /** Calls `listener` with every frame until the returned function is called. */
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveValue>({ state: 'connecting', subscribe: () => () => {} });

const MAX_BACKOFF_MS = 15_000;

/**
 * One WebSocket per tab for the current org. Frames go to subscribers (the pages'
 * query caches). It reconnects with back-off; when the server closes it because the
 * access token expired, or the upgrade is refused, it refreshes the token first.
 */
export function LiveSocketProvider({ orgId, children }: { orgId: string; children: ReactNode }) {
  const [state, setState] = useState<LiveState>('connecting');
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const connect = () => {
      const token = api.currentTokens?.accessToken;
      if (!token || stopped) return;
      const url = new URL(`${LIVE_PATH}?org=${encodeURIComponent(orgId)}`, window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      let opened = false;
      socket = new WebSocket(url, [LIVE_SUBPROTOCOL, `${LIVE_BEARER_PREFIX}${token}`]);
      socket.onopen = () => {
        opened = true;
        attempt = 0;
        setState('live');
      };
      socket.onmessage = (message) => {
        const parsed = LiveEventSchema.safeParse(JSON.parse(String(message.data)));
        if (!parsed.success) return;
        for (const listener of listeners.current) listener(parsed.data);
      };
      socket.onclose = async (close) => {
        socket = null;
        if (stopped) return;
        setState('reconnecting');
        // Refused before opening (401) or told the token expired: a new token first.
        if (!opened || close.code === LIVE_CLOSE_TOKEN_EXPIRED) await api.refreshOnce();
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
        attempt += 1;
        timer = setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close(1000, 'page closed');
    };
  }, [orgId]);

  const subscribe = useCallback((listener: Listener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const value = useMemo<LiveValue>(() => ({ state, subscribe }), [state, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/** The live connection's state, for the indicator in the shell. */
export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}

/** Runs `listener` for every live frame while the component is mounted. */
export function useLiveEvents(listener: Listener): void {
  const { subscribe } = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribe((event) => latest.current(event)), [subscribe]);
}
