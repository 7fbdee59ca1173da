import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown, ArrowUp, Download, History, Pause, Play, RefreshCw, Search } from 'lucide-react';
import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Input } from '../../../components/ui/input';
import { type LogEntry, MOST_LINES_KEPT } from './log-buffer';
import { LOG_ROW_HEIGHT, LogRow, formatLogTime } from './log-row';
import { type LogStreamStatus, useContainerLogs } from './use-container-logs';

/** What to do about a log that cannot be read, by the server's error code. */
const HINT_OF_CODE: Record<string, string> = {
  policy_denied: "The host's policy file (/etc/infrapilot/agent.yaml) does not allow this; the host owner can change it.",
  docker_unavailable: 'Docker does not answer on that host. Check that it runs there, then follow again.',
  agent_offline: "The host's agent is not connected. Follow again once the host is back online.",
  not_found: 'The container is gone: it was removed, or recreated under a new id.',
};

/**
 * A container's log: the last 500 lines, then new lines as they are written. Virtualised
 * (only the lines on screen are in the DOM), so 100 000 lines scroll as smoothly as 100;
 * at most 200 000 are kept, the oldest dropped first. Pause keeps the view still while
 * new lines wait; Follow shows them and scrolls to the end again.
 */
export function LogViewer({
  agentId,
  container,
  name,
  running,
  capacity = MOST_LINES_KEPT,
}: {
  agentId: string;
  container: string;
  name: string;
  /** Whether the container runs now: a log that ended because it stopped follows again when it starts. */
  running?: boolean;
  capacity?: number;
}) {
  const logs = useContainerLogs(agentId, container, capacity);
  const { buffer, version, status } = logs;
  const wasRunning = useRef(running);
  useEffect(() => {
    const started = running === true && wasRunning.current === false;
    wasRunning.current = running;
    if (started && (status.kind === 'ended' || status.kind === 'closed')) logs.followAgain();
  }, [running, status.kind, logs.followAgain]);
  const lines = buffer.lines;
  const paused = buffer.isPaused;

  const [showTimestamps, setShowTimestamps] = useState(false);
  const [query, setQuery] = useState('');
  const [onlyMatching, setOnlyMatching] = useState(false);
  const [matchCursor, setMatchCursor] = useState(0);
  const needle = query.trim().toLowerCase();

  // Indexes of the lines that contain the search term; recomputed when lines come or the term changes.
  const matches = useMemo(() => {
    if (!needle) return [];
    const found: number[] = [];
    lines.forEach((entry, index) => entry.plain.toLowerCase().includes(needle) && found.push(index));
    return found;
    // `lines` is the same array, mutated; `version` says it changed.
  }, [needle, version, lines]);
  const cursor = matches.length === 0 ? -1 : Math.min(matchCursor, matches.length - 1);
  const filtering = onlyMatching && needle !== '';
  const rowCount = filtering ? matches.length : lines.length;
  const entryAt = (row: number): LogEntry => lines[filtering ? matches[row]! : row]!;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => LOG_ROW_HEIGHT,
    overscan: 20,
    getItemKey: (row) => entryAt(row).id,
  });

  // Following sticks to the end, unless the reader scrolled up to read something.
  const atEnd = useRef(true);
  const shiftBy = useRef(0);
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    if (shiftBy.current > 0) {
      // Older lines went in above: the lines being read stay where they were.
      element.scrollTop += shiftBy.current * LOG_ROW_HEIGHT;
      shiftBy.current = 0;
    } else if (!paused && atEnd.current && rowCount > 0) {
      virtualizer.scrollToIndex(rowCount - 1, { align: 'end' });
    }
  }, [version, rowCount, paused, virtualizer]);

  const goToMatch = (next: number) => {
    if (matches.length === 0) return;
    const wrapped = (next + matches.length) % matches.length;
    setMatchCursor(wrapped);
    // Reading a match: the view must not jump to the end under it.
    if (!paused) logs.setPaused(true);
    virtualizer.scrollToIndex(filtering ? wrapped : matches[wrapped]!, { align: 'center' });
  };
  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    goToMatch(cursor + (event.shiftKey ? -1 : 1));
  };

  const resumeFollowing = () => {
    atEnd.current = true;
    logs.setPaused(false);
  };

  const download = () => {
    const text = lines.map((entry) => (showTimestamps ? `${entry.timestamp} ${entry.plain}` : entry.plain)).join('\n');
    const url = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${name}-${new Date().toISOString().replaceAll(':', '-').slice(0, 19)}.log`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };

  const searchId = useId();
  const live = status.kind === 'following' || status.kind === 'connecting';
  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <StreamStatus status={status} paused={paused} waiting={buffer.waitingCount} />
        {status.kind === 'following' &&
          (paused ? (
            <Button size="sm" onClick={resumeFollowing}>
              <Play className="h-4 w-4" aria-hidden />
              Follow
            </Button>
          ) : (
            <Button size="sm" variant="secondary" onClick={() => logs.setPaused(true)}>
              <Pause className="h-4 w-4" aria-hidden />
              Pause
            </Button>
          ))}
        {(status.kind === 'ended' || status.kind === 'closed' || (status.kind === 'error' && lines.length > 0)) && (
          <Button
            size="sm"
            variant="secondary"
            onClick={() => {
              if (paused) resumeFollowing();
              logs.followAgain();
            }}
          >
            <RefreshCw className="h-4 w-4" aria-hidden />
            Follow again
          </Button>
        )}
        {logs.hasOlder && (
          <Button
            size="sm"
            variant="secondary"
            disabled={logs.loadingOlder}
            onClick={() =>
              void logs.loadOlder((added) => {
                shiftBy.current = filtering ? 0 : added;
              })
            }
          >
            <History className="h-4 w-4" aria-hidden />
            {logs.loadingOlder ? 'Loading…' : 'Load older'}
          </Button>
        )}
        <label className="flex items-center gap-1.5 text-sm">
          <input type="checkbox" className="h-4 w-4" checked={showTimestamps} onChange={(event) => setShowTimestamps(event.target.checked)} />
          Timestamps
        </label>
        <Button size="sm" variant="secondary" disabled={lines.length === 0} onClick={download}>
          <Download className="h-4 w-4" aria-hidden />
          Download
        </Button>
      </div>

      <div className="flex flex-wrap items-center gap-2">
        <div className="relative w-full sm:w-72">
          <Search className="pointer-events-none absolute left-2.5 top-2.5 h-4 w-4 text-muted-foreground" aria-hidden />
          <Input
            id={searchId}
            type="search"
            aria-label="Search the log"
            placeholder="Search the loaded lines"
            className="pl-8"
            value={query}
            onChange={(event) => {
              setQuery(event.target.value);
              setMatchCursor(0);
            }}
            onKeyDown={onSearchKey}
          />
        </div>
        {needle && (
          <>
            <span role="status" className="text-sm text-muted-foreground" data-testid="log-match-count">
              {matches.length === 0 ? 'No matches' : `${cursor + 1} of ${matches.length} matching ${matches.length === 1 ? 'line' : 'lines'}`}
            </span>
            <Button size="icon" variant="ghost" aria-label="Previous match" disabled={matches.length === 0} onClick={() => goToMatch(cursor - 1)}>
              <ArrowUp className="h-4 w-4" aria-hidden />
            </Button>
            <Button size="icon" variant="ghost" aria-label="Next match" disabled={matches.length === 0} onClick={() => goToMatch(cursor + 1)}>
              <ArrowDown className="h-4 w-4" aria-hidden />
            </Button>
            <label className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" className="h-4 w-4" checked={onlyMatching} onChange={(event) => setOnlyMatching(event.target.checked)} />
              Only matching lines
            </label>
          </>
        )}
      </div>

      {status.kind === 'error' && (
        <div role="alert" className="rounded-lg border border-destructive/40 bg-destructive/5 p-3 text-sm">
          <p className="font-medium text-destructive">{status.message}</p>
          {HINT_OF_CODE[status.code] && <p className="text-muted-foreground">{HINT_OF_CODE[status.code]}</p>}
        </div>
      )}
      {logs.olderError && (
        <p role="alert" className="text-sm text-destructive">
          Could not load older lines: {logs.olderError}
        </p>
      )}
      {buffer.dropped > 0 && (
        <p className="text-xs text-muted-foreground">
          Only the newest {capacity.toLocaleString('en')} lines are kept in this page; {buffer.dropped.toLocaleString('en')} older lines were dropped. Download
          keeps what is loaded.
        </p>
      )}

      <div
        ref={scrollRef}
        role="log"
        aria-live="off"
        aria-label={`Log of ${name}`}
        // Reachable with the keyboard, so the arrow keys can scroll it.
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          atEnd.current = element.scrollHeight - element.scrollTop - element.clientHeight < LOG_ROW_HEIGHT * 2;
        }}
        className="h-[60vh] min-h-80 overflow-auto rounded-lg border border-border bg-background font-mono text-xs leading-5 focus-visible:outline-2 focus-visible:outline-ring"
      >
        {rowCount === 0 ? (
          <p className="p-3 text-muted-foreground">{emptyText(status, filtering)}</p>
        ) : (
          <div className="relative" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const entry = entryAt(item.index);
              return (
                <LogRow
                  key={item.key}
                  entry={entry}
                  query={needle}
                  current={cursor >= 0 && (filtering ? item.index === cursor : item.index === matches[cursor])}
                  showTimestamp={showTimestamps}
                  top={item.start}
                />
              );
            })}
          </div>
        )}
      </div>
      <p className="text-xs text-muted-foreground">
        {lines.length.toLocaleString('en')} lines loaded
        {lines.length > 0 && ` (${formatLogTime(lines[0]!.timestamp)} to ${formatLogTime(lines.at(-1)!.timestamp)})`}
        {live && !paused ? '; new lines appear as they are written.' : '.'}
      </p>
    </div>
  );
}

const TONE_OF_STATUS: Record<LogStreamStatus['kind'] | 'paused', BadgeTone> = {
  loading: 'neutral',
  connecting: 'neutral',
  following: 'success',
  paused: 'warning',
  ended: 'neutral',
  closed: 'warning',
  error: 'danger',
};

function StreamStatus({ status, paused, waiting }: { status: LogStreamStatus; paused: boolean; waiting: number }) {
  const kind = status.kind === 'following' && paused ? 'paused' : status.kind;
  const text =
    kind === 'loading'
      ? 'Loading…'
      : kind === 'connecting'
        ? 'Connecting…'
        : kind === 'following'
          ? 'Following'
          : kind === 'paused'
            ? waiting > 0
              ? `Paused: ${waiting.toLocaleString('en')} new ${waiting === 1 ? 'line' : 'lines'} waiting`
              : 'Paused'
            : kind === 'ended'
              ? `Ended: ${(status as { reason: string }).reason}`
              : kind === 'closed'
                ? 'Disconnected'
                : 'Not following';
  return (
    <span role="status" aria-label={`Log stream: ${text}`}>
      <Badge tone={TONE_OF_STATUS[kind]} data-testid="log-status">
        {text}
      </Badge>
    </span>
  );
}

function emptyText(status: LogStreamStatus, filtering: boolean): string {
  if (filtering) return 'No loaded line matches the search.';
  if (status.kind === 'loading') return 'Loading the last lines…';
  if (status.kind === 'error') return 'No lines to show.';
  return 'No lines yet. New lines appear here as the container writes them.';
}
