import { followLiveEvents, type LiveConnectionState } from '@infrapilot/client';
import type { LiveEvent } from '@infrapilot/protocol';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { api } from './api';

/** 'off': no socket at all (no org to follow, or outside the signed-in shell). */
export type LiveState = LiveConnectionState | 'off';
type Listener = (event: LiveEvent) => void;

interface LiveValue {
  state: LiveState;
  /** Calls `listener` with every frame until the returned function is called. */
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveValue>({ state: 'off', subscribe: () => () => {} });

/**
 * One WebSocket per tab for the current org (the client's followLiveEvents: back-off,
 * token refresh on 4401). Frames go to subscribers, the pages' query caches; switching
 * org opens a new socket. Without an org (`orgId` null) the server would refuse every
 * attempt, so no socket is opened.
 */
export function LiveSocketProvider({ orgId, children }: { orgId: string | null; children: ReactNode }) {
  const [state, setState] = useState<LiveState>(orgId ? 'connecting' : 'off');
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    if (!orgId) {
      setState('off');
      return;
    }
    const follower = followLiveEvents(api, {
      onStateChange: setState,
      onEvent: (event) => {
        for (const listener of listeners.current) listener(event);
      },
    });
    return () => follower.stop();
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
