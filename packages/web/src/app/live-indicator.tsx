import { Activity } from 'lucide-react';
import { cn } from '../lib/class-names';
import { type LiveState, useLiveState } from './live-socket';

const WORDS: Record<Exclude<LiveState, 'off'>, { shown: string; spoken: string }> = {
  live: { shown: 'Live', spoken: 'Live updates on' },
  connecting: { shown: 'Connecting…', spoken: 'Live updates connecting' },
  reconnecting: { shown: 'Reconnecting…', spoken: 'Live updates reconnecting' },
};

/** Whether the live socket is open; nothing without one (no org to follow). */
export function LiveIndicator() {
  const state = useLiveState();
  if (state === 'off') return null;
  const live = state === 'live';
  const { shown, spoken } = WORDS[state];
  return (
    <span className="hidden items-center gap-1 text-xs text-muted-foreground sm:flex" role="status" aria-label={spoken}>
      <Activity className={cn('h-3.5 w-3.5', live ? 'text-success' : 'text-warning')} aria-hidden />
      {shown}
    </span>
  );
}
