import { formatBytes } from '@infrapilot/protocol';

// Shared with the CLI, so a host's figures read the same everywhere.
export { formatBytes, formatDuration } from '@infrapilot/protocol';

/** Bytes per second as "1.2 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatPercent(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)}%` : '—';
}

/** Part of a whole as a percentage, 0 when the whole is unknown. */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}

/** "3 min ago", "in 2 days"; an absent time is "never". */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const difference = Math.round((Date.parse(iso) - now) / 1000);
  // A heartbeat newer than the page's ticking clock is "now", not "in 3 seconds".
  const seconds = difference > 0 && difference < 60 ? 0 : difference;
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ];
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') return format.format(Math.round(seconds / size), unit);
  }
  return iso;
}

/** A timestamp in the reader's locale, to the second. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

