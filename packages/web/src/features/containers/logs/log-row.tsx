import { type ReactNode, memo } from 'react';
import { cn } from '../../../lib/class-names';
import { parseAnsi } from './ansi';
import type { LogEntry } from './log-buffer';

/** Height of one line in pixels: lines do not wrap, so the virtual list can place them without measuring. */
export const LOG_ROW_HEIGHT = 20;

/**
 * One log line: its colours as spans (never HTML), the search term marked, stderr tinted
 * (and said, for screen readers), and its timestamp when asked for.
 */
export const LogRow = memo(function LogRow({
  entry,
  query,
  current,
  showTimestamp,
  top,
}: {
  entry: LogEntry;
  /** Lower case; empty when not searching. */
  query: string;
  /** The match the search's next/previous is on. */
  current: boolean;
  showTimestamp: boolean;
  top: number;
}) {
  const stderr = entry.stream === 'stderr';
  return (
    <div
      data-log-line
      data-stream={entry.stream}
      className={cn(
        'absolute left-0 min-w-full whitespace-pre border-l-2 pl-2 pr-3',
        stderr ? 'border-destructive bg-destructive/5' : 'border-transparent',
        current && 'bg-yellow-100 outline outline-1 outline-yellow-500 dark:bg-yellow-900/40',
      )}
      style={{ top, height: LOG_ROW_HEIGHT }}
    >
      {stderr && <span className="sr-only">stderr: </span>}
      {showTimestamp && <span className="mr-3 select-none text-muted-foreground">{formatLogTime(entry.timestamp)}</span>}
      {parseAnsi(entry.text).map((segment, index) => (
        <span key={index} className={segment.className} style={segment.style}>
          {query ? <Marked text={segment.text} query={query} /> : segment.text}
        </span>
      ))}
    </div>
  );
});

/** The text with each (case-insensitive) occurrence of `query` in a <mark>. */
function Marked({ text, query }: { text: string; query: string }) {
  const lower = text.toLowerCase();
  const parts: ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(query); at !== -1; at = lower.indexOf(query, at + query.length)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(
      <mark key={at} className="rounded-sm bg-yellow-200 text-inherit dark:bg-yellow-600/60">
        {text.slice(at, at + query.length)}
      </mark>,
    );
    from = at + query.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return <>{parts}</>;
}

/** "2026-01-01 12:00:05.123" in the reader's time zone. */
export function formatLogTime(timestamp: string): string {
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) return timestamp;
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
}
