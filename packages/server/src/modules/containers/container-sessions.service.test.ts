import type { ContainerLogsCommand } from '@infrapilot/protocol/agent';
import { describe, expect, it } from 'vitest';
import type { CommandPayload, CommandRouter, StreamHandle } from '../../gateway/command-router.js';
import type { Actor } from '../../platform/http/request-context.js';
import { ContainerSessionsService } from './container-sessions.service.js';
import type { ContainerTarget, ContainerTargets } from './container-targets.js';

const actor: Actor = {
  identity: { kind: 'user', userId: 'user-1', sessionId: 'session-1', email: 'admin@example.com' },
  org: { id: 'org-1', slug: 'default', name: 'Default', role: 'super_admin' },
};

/** The service with a host that always resolves, and a command router that records what it was asked to stream. */
function sessionsWithRecordedStreams() {
  const opened: CommandPayload[] = [];
  const target: ContainerTarget = { host: { id: 'host-1', name: 'web-1' }, reference: 'web', name: 'web', containerId: 'a'.repeat(64) };
  const targets = { container: async () => target, host: async () => target.host } as unknown as ContainerTargets;
  const commands = {
    openStream: (_agentId: string, payload: CommandPayload): StreamHandle => {
      opened.push(payload);
      return { requestId: `request-${opened.length}`, input: () => undefined, cancel: () => undefined };
    },
  } as unknown as CommandRouter;
  const sessions = new ContainerSessionsService({ targets, commands, audit: { record: async () => undefined }, onAuditFailure: () => undefined });
  const logsCommand = (index: number) => {
    const payload = opened[index]!;
    if (payload.case !== 'containerLogs') throw new Error(`expected a containerLogs command, got ${payload.case}`);
    return payload.value as ContainerLogsCommand;
  };
  return { sessions, logsCommand };
}

const listener = { lines: () => undefined, end: () => undefined, failed: () => undefined };

describe('following a log', () => {
  // Regression: tail 0 was sent as `since` = this server's "now", wrong by however far the host's clock is from ours.
  it('asks the agent for no history with tail 0 and no since, leaving "now" to the host', async () => {
    const { sessions, logsCommand } = sessionsWithRecordedStreams();
    await sessions.followLogs(actor, 'host-1', 'web', { tail: 0 }, listener);
    expect(logsCommand(0)).toMatchObject({ container: 'web', tail: 0, since: '', until: '', follow: true });
  });

  it('passes the tail and the since a client gave', async () => {
    const { sessions, logsCommand } = sessionsWithRecordedStreams();
    await sessions.followLogs(actor, 'host-1', 'web', { tail: 50, since: '2025-03-01T12:00:00.5Z' }, listener);
    await sessions.followLogs(actor, 'host-1', 'web', { tail: 0, since: '2025-03-01T12:00:00Z' }, listener);
    expect(logsCommand(0)).toMatchObject({ tail: 50, since: '1740830400.500000000', follow: true });
    expect(logsCommand(1)).toMatchObject({ tail: 0, since: '1740830400.000000000', follow: true });
  });
});
