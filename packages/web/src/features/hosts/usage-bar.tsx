import { cn } from '../../lib/class-names';
import { formatPercent } from '../../lib/format';

/** Green-blue while comfortable, amber when getting full, red when nearly full. */
function fillColourOf(percent: number): string {
  if (percent >= 90) return 'bg-destructive';
  if (percent >= 75) return 'bg-warning';
  return 'bg-primary';
}

/**
 * A horizontal meter with its value as text. `label` names it for screen readers
 * ("CPU of web-1"); `detail` (e.g. "1.2 GiB of 4 GiB") is read out and shown on hover.
 * Without a value (no heartbeat yet) it shows a dash.
 */
export function UsageBar({ label, percent, detail, className }: { label: string; percent: number | null; detail?: string; className?: string }) {
  if (percent === null || !Number.isFinite(percent)) {
    // Text, not aria-label: screen readers ignore aria-label on an element without a role.
    return (
      <span className={cn('text-xs text-muted-foreground', className)}>
        <span aria-hidden>—</span>
        <span className="sr-only">{label}: no figures yet</span>
      </span>
    );
  }
  const clamped = Math.min(100, Math.max(0, percent));
  const text = formatPercent(percent);
  return (
    <div className={cn('flex min-w-28 items-center gap-2', className)} title={detail}>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(clamped)}
        aria-valuetext={detail ? `${text}, ${detail}` : text}
        className="h-2 flex-1 overflow-hidden rounded-full bg-muted"
      >
        <div className={cn('h-full rounded-full', fillColourOf(clamped))} style={{ width: `${clamped}%` }} />
      </div>
      <span className="w-11 text-right text-xs tabular-nums" aria-hidden>
        {text}
      </span>
    </div>
  );
}
