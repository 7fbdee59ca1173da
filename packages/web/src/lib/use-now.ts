import { useSyncExternalStore } from 'react';

/** How often relative times ("3 minutes ago") are brought up to date on a page left open. */
const TICK_MS = 15_000;

let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function currentTime(): number {
  // Nobody was watching, so nothing moved the clock on (or the system clock was set back):
  // catch up before it is read. Not on every read, which must give React the same value
  // until something changes.
  if (timer === undefined && Math.abs(Date.now() - now) >= TICK_MS) now = Date.now();
  return now;
}

/**
 * The current time, renewed every 15 s, so "3 minutes ago" keeps counting on a page left
 * open. One clock for the whole page: every relative time moves together, on one timer.
 * Only re-renders; it never refetches anything.
 */
export function useNow(): number {
  return useSyncExternalStore(subscribe, currentTime);
}
