import type { LogStreamHandlers } from '@infrapilot/client';
import type { LogLine } from '@infrapilot/protocol';
import { CliError } from '../errors.js';
import type { Terminal } from '../terminal.js';

/** Opens the log socket (followContainerLogs, bound to a client, host, container and query). */
export type LogFollower = (handlers: LogStreamHandlers) => { close(): void };

/** How a followed log ended without an error. */
export type FollowEnd = { kind: 'stopped'; reason: string } | { kind: 'interrupted' };

/**
 * Follows a container's log until it ends: resolves when the container stops (the
 * server's `end` frame) or when Ctrl-C / SIGTERM ends it here; rejects with the
 * server's code and message (policy_denied, docker_unavailable, not_found…) or when the
 * connection drops, since silently stopping would look like a quiet container.
 */
export function followLog(follow: LogFollower, print: (line: LogLine) => void, terminal: Pick<Terminal, 'onSignal'>): Promise<FollowEnd> {
  return new Promise<FollowEnd>((resolve, reject) => {
    let settled = false;
    let stream: { close(): void } | undefined;
    let stopWatchingSignals: () => void = () => undefined;
    const finish = (outcome: FollowEnd | Error) => {
      if (settled) return;
      settled = true;
      stopWatchingSignals();
      stream?.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    stopWatchingSignals = terminal.onSignal(() => finish({ kind: 'interrupted' }));
    stream = follow({
      lines: (lines) => {
        if (!settled) for (const line of lines) print(line);
      },
      end: (end) => {
        if (end.kind === 'ended') finish({ kind: 'stopped', reason: end.reason });
        else if (end.kind === 'error') finish(new CliError(`${end.message} (${end.code})`));
        else finish(new CliError('the connection to the server closed while following the log; run the command again to resume'));
      },
    });
    // The socket may have refused at once (no credential), before `stream` was set.
    if (settled) stream.close();
  });
}
