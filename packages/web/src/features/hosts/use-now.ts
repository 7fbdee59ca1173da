import { useEffect, useState } from 'react';

/**
 * The current time, renewed every `intervalMs`, so "3 minutes ago" keeps counting on a
 * page left open. Only re-renders; it never refetches anything.
 */
export function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
