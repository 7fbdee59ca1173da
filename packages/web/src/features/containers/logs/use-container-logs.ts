import { ApiError, type SocketEnd } from '@infrapilot/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { actionErrorText } from '../container-actions';
import { useDockerApi } from '../docker-api';
import { LogBuffer } from './log-buffer';

/** The REST page the viewer opens with, and each "Load older" page. */
export const LOG_PAGE_LINES = 500;
/** With `since`, the socket gives everything after it: the lines written between the page and the socket. */
const MOST_LINES_SINCE = 10_000;

export type LogStreamStatus =
  | { kind: 'loading' }
  | { kind: 'connecting' }
  | { kind: 'following' }
  | { kind: 'ended'; reason: string }
  | { kind: 'closed' }
  | { kind: 'error'; code: string; message: string };

/**
 * A container's log: the last 500 lines over REST, then the log socket from the newest of
 * them on (`since`, with the lines written at that very instant de-duplicated). Lines
 * go into a bounded LogBuffer held in a ref; `version` changes (at most once a frame)
 * when it does, which is what re-renders the viewer.
 */
export function useContainerLogs(agentId: string, container: string, capacity?: number) {
  const dockerApi = useDockerApi();
  const bufferRef = useRef<LogBuffer | null>(null);
  bufferRef.current ??= new LogBuffer(capacity);
  const buffer = bufferRef.current;
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<LogStreamStatus>({ kind: 'loading' });
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const socketRef = useRef<{ close(): void } | null>(null);
  const frameRef = useRef<number | null>(null);
  const mounted = useRef(true);

  // Many frames a second become one render per animation frame.
  const changed = useCallback(() => {
    if (frameRef.current !== null) return;
    const flush = () => {
      frameRef.current = null;
      if (mounted.current) setVersion((current) => current + 1);
    };
    frameRef.current = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(flush) : (setTimeout(flush, 16) as unknown as number);
  }, []);

  const follow = useCallback(() => {
    socketRef.current?.close();
    setStatus({ kind: 'connecting' });
    const since = buffer.newestTimestamp;
    socketRef.current = dockerApi.followLogs(agentId, container, since ? { since, tail: MOST_LINES_SINCE } : { tail: 0 }, {
      open: () => mounted.current && setStatus({ kind: 'following' }),
      lines: (lines) => {
        const fresh = lines.filter((line) => !buffer.alreadyHas(line));
        if (fresh.length === 0) return;
        buffer.append(fresh);
        changed();
      },
      end: (end: SocketEnd) => {
        if (!mounted.current) return;
        if (end.kind === 'ended') setStatus({ kind: 'ended', reason: end.reason });
        else if (end.kind === 'closed') setStatus({ kind: 'closed' });
        else setStatus({ kind: 'error', code: end.code, message: end.message });
      },
    });
  }, [dockerApi, agentId, container, buffer, changed]);

  useEffect(() => {
    mounted.current = true;
    let cancelled = false;
    dockerApi.containers.logs(agentId, container, { tail: LOG_PAGE_LINES }).then(
      (page) => {
        if (cancelled) return;
        buffer.append(page.lines);
        setOlderCursor(page.nextCursor);
        setVersion((current) => current + 1);
        follow();
      },
      (error: unknown) => {
        if (cancelled) return;
        setStatus(errorStatus(error));
      },
    );
    return () => {
      cancelled = true;
      mounted.current = false;
      socketRef.current?.close();
      socketRef.current = null;
      if (frameRef.current !== null) {
        if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frameRef.current);
        clearTimeout(frameRef.current);
      }
    };
    // The log of one container for the life of the viewer; `follow` changes only with it.
  }, [dockerApi, agentId, container]);

  /** Puts the previous page in front; `prepended` hears how many lines went in, before they render. */
  const loadOlder = useCallback(async (prepended?: (added: number) => void): Promise<number> => {
    if (!olderCursor || loadingOlder) return 0;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await dockerApi.containers.logs(agentId, container, { tail: LOG_PAGE_LINES, before: olderCursor });
      const added = buffer.prepend(page.lines);
      prepended?.(added);
      if (mounted.current) {
        setOlderCursor(added < page.lines.length ? null : page.nextCursor);
        setVersion((current) => current + 1);
      }
      return added;
    } catch (error) {
      if (mounted.current) setOlderError(errorStatus(error).message);
      return 0;
    } finally {
      if (mounted.current) setLoadingOlder(false);
    }
  }, [dockerApi, agentId, container, buffer, olderCursor, loadingOlder]);

  const setPaused = useCallback(
    (paused: boolean) => {
      if (paused) buffer.pause();
      else buffer.resume();
      setVersion((current) => current + 1);
    },
    [buffer],
  );

  return {
    buffer,
    version,
    status,
    /** Whether older lines can be loaded (the server has more, and there is room for them). */
    hasOlder: olderCursor !== null && buffer.hasRoomForOlder,
    loadOlder,
    loadingOlder,
    olderError,
    /** Opens the socket again after it ended (a restarted container) or dropped. */
    followAgain: follow,
    setPaused,
  };
}

function errorStatus(error: unknown): Extract<LogStreamStatus, { kind: 'error' }> {
  if (error instanceof ApiError) return { kind: 'error', code: error.code, message: actionErrorText(error) };
  return { kind: 'error', code: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
