import type { LogStreamHandlers } from '@infrapilot/client';
import type { LogLine } from '@infrapilot/protocol';
import { describe, expect, it } from 'vitest';
import type { TerminalSignal } from '../terminal.js';
import { followLog } from './container-logs.js';

function harness() {
  let handlers: LogStreamHandlers | undefined;
  let closed = false;
  const signals = new Set<(signal: TerminalSignal) => void>();
  const printed: string[] = [];
  const running = followLog(
    (given) => {
      handlers = given;
      return { close: () => void (closed = true) };
    },
    (line) => printed.push(`${line.stream}: ${line.text}`),
    {
      onSignal: (listener) => {
        signals.add(listener);
        return () => void signals.delete(listener);
      },
    },
  );
  const line = (stream: LogLine['stream'], text: string): LogLine => ({ stream, text, timestamp: '2025-03-01T12:00:00.000000000Z' });
  return { running, handlers: () => handlers!, printed, closed: () => closed, signals, line };
}

describe('followLog', () => {
  it('prints lines in order until the container stops', async () => {
    const follow = harness();
    follow.handlers().lines([follow.line('stdout', 'one'), follow.line('stderr', 'two')]);
    follow.handlers().lines([follow.line('stdout', 'three')]);
    follow.handlers().end({ kind: 'ended', reason: 'the container stopped' });
    expect(await follow.running).toEqual({ kind: 'stopped', reason: 'the container stopped' });
    expect(follow.printed).toEqual(['stdout: one', 'stderr: two', 'stdout: three']);
    expect(follow.signals.size).toBe(0);
  });

  it('stops quietly on Ctrl-C and prints nothing after', async () => {
    const follow = harness();
    for (const listener of follow.signals) listener('SIGINT');
    follow.handlers().lines([follow.line('stdout', 'late')]);
    expect(await follow.running).toEqual({ kind: 'interrupted' });
    expect(follow.printed).toEqual([]);
    expect(follow.closed()).toBe(true);
  });

  it('fails with the code and message of an error frame, and when the connection drops', async () => {
    const denied = harness();
    denied.handlers().end({ kind: 'error', code: 'docker_unavailable', message: 'Docker is not available on web-1' });
    await expect(denied.running).rejects.toThrow('Docker is not available on web-1 (docker_unavailable)');

    const dropped = harness();
    dropped.handlers().end({ kind: 'closed' });
    await expect(dropped.running).rejects.toThrow(/closed while following the log/);
  });
});
