import { create } from '@bufbuild/protobuf';
import {
  AgentMessageSchema,
  CommandErrorSchema,
  PingCommandSchema,
  PingResultSchema,
  SystemInfoCommandSchema,
  type AgentMessage,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import { beforeEach, describe, expect, it } from 'vitest';
import { AgentOfflineError, AgentTimeoutError, CapabilityFailedError, CapabilityUnavailableError } from '../errors.js';
import { FakeClock } from '../test-helpers/fake-clock.js';
import { type AgentSession, type CommandPayload, CommandRouter, type SessionCloseReason } from './command-router.js';

const PING: CommandPayload = { case: 'ping', value: create(PingCommandSchema, { payload: new Uint8Array([1, 2, 3]) }) };
const SYSTEM_INFO: CommandPayload = { case: 'systemInfo', value: create(SystemInfoCommandSchema, {}) };

/** A CommandStream as the router sees it, recording what it was sent and why it was closed. */
class RecordingSession implements AgentSession {
  readonly sent: ServerMessage[] = [];
  closedWith: SessionCloseReason | undefined;
  readonly capabilities: ReadonlySet<string>;

  constructor(
    readonly agentId: string,
    capabilities: string[] = ['ping'],
  ) {
    this.capabilities = new Set(capabilities);
  }

  send(message: ServerMessage): void {
    this.sent.push(message);
  }

  close(reason: SessionCloseReason): void {
    this.closedWith = reason;
  }

  /** The request ids of the commands (not cancels) it was sent. */
  get commandIds(): string[] {
    return this.sent.filter((message) => message.payload.case !== 'cancel').map((message) => message.requestId);
  }
}

function pingAnswer(requestId: string): AgentMessage {
  return create(AgentMessageSchema, { requestId, payload: { case: 'ping', value: create(PingResultSchema, { agentTimeUnixMs: 1n }) } });
}

function errorAnswer(requestId: string, code: string, message: string): AgentMessage {
  return create(AgentMessageSchema, { requestId, payload: { case: 'error', value: create(CommandErrorSchema, { code, message }) } });
}

async function settled<T>(promise: Promise<T>): Promise<'pending' | { value: T } | { error: unknown }> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20)),
  ]);
}

describe('CommandRouter', () => {
  let clock: FakeClock;
  let router: CommandRouter;

  beforeEach(() => {
    clock = new FakeClock(new Date('2025-06-01T12:00:00Z'));
    router = new CommandRouter(() => clock.now().getTime());
  });

  it("sends a command with a request id and a deadline, and resolves with the agent's answer", async () => {
    const session = new RecordingSession('agent-1');
    router.attach(session);
    const result = router.send('agent-1', PING, { timeoutMs: 5_000 });
    const [message] = session.sent;
    expect(message?.payload.case).toBe('ping');
    expect(message?.requestId).toMatch(/.+/);
    expect(message?.deadlineUnixMs).toBe(BigInt(clock.now().getTime() + 5_000));

    router.receive('agent-1', pingAnswer(message!.requestId));
    await expect(result).resolves.toMatchObject({ case: 'ping' });
  });

  it('fails at once with AgentOfflineError when the agent has no open stream', async () => {
    await expect(router.send('nobody', PING, { agentName: 'web-1' })).rejects.toThrow(AgentOfflineError);
    await expect(router.send('nobody', PING, { agentName: 'web-1' })).rejects.toThrow(/web-1 is offline/);
  });

  it('refuses a command the agent did not announce, without sending it', async () => {
    const session = new RecordingSession('agent-1', ['ping']);
    router.attach(session);
    await expect(router.send('agent-1', SYSTEM_INFO, { agentName: 'web-1' })).rejects.toThrow(CapabilityUnavailableError);
    expect(session.sent).toEqual([]);
  });

  it('times out with AgentTimeoutError and sends the agent a Cancel for the request', async () => {
    const session = new RecordingSession('agent-1');
    router.attach(session);
    const result = router.send('agent-1', PING, { timeoutMs: 30, agentName: 'web-1' });
    const requestId = session.sent[0]!.requestId;

    await expect(result).rejects.toThrow(AgentTimeoutError);
    const cancel = session.sent.at(-1)!;
    expect(cancel.payload.case).toBe('cancel');
    expect(cancel.payload.case === 'cancel' && cancel.payload.value.targetRequestId).toBe(requestId);
    expect(cancel.requestId).not.toBe(requestId);

    // A late answer after the timeout is dropped without harm.
    expect(() => router.receive('agent-1', pingAnswer(requestId))).not.toThrow();
  });

  it('ignores an answer that comes from another agent than the one asked', async () => {
    const asked = new RecordingSession('agent-1');
    const other = new RecordingSession('agent-2');
    router.attach(asked);
    router.attach(other);
    const result = router.send('agent-1', PING, { timeoutMs: 5_000 });
    const requestId = asked.sent[0]!.requestId;

    router.receive('agent-2', pingAnswer(requestId));
    expect(await settled(result)).toBe('pending');

    router.receive('agent-1', pingAnswer(requestId));
    await expect(result).resolves.toMatchObject({ case: 'ping' });
  });

  it('sends a pending command again, with the same request id, when the agent reconnects', async () => {
    const first = new RecordingSession('agent-1');
    const detach = router.attach(first);
    const result = router.send('agent-1', PING, { timeoutMs: 5_000 });
    const requestId = first.sent[0]!.requestId;
    detach();
    expect(router.isConnected('agent-1')).toBe(false);

    const second = new RecordingSession('agent-1');
    router.attach(second);
    expect(second.commandIds).toEqual([requestId]);
    expect(second.sent[0]).toEqual(first.sent[0]);

    router.receive('agent-1', pingAnswer(requestId));
    await expect(result).resolves.toMatchObject({ case: 'ping' });
  });

  it('closes the older stream as replaced when the agent opens a newer one, and keeps the newer', async () => {
    const older = new RecordingSession('agent-1');
    const detachOlder = router.attach(older);
    const newer = new RecordingSession('agent-1');
    router.attach(newer);
    expect(older.closedWith).toBe('replaced');

    // The older stream ending afterwards must not unregister the newer one.
    detachOlder();
    expect(router.isConnected('agent-1')).toBe(true);
    const result = router.send('agent-1', PING, { timeoutMs: 5_000 });
    expect(newer.commandIds).toHaveLength(1);
    expect(older.commandIds).toHaveLength(0);
    router.receive('agent-1', pingAnswer(newer.commandIds[0]!));
    await expect(result).resolves.toMatchObject({ case: 'ping' });
  });

  it('fails what the agent was asked with AgentOfflineError when it is disconnected', async () => {
    const session = new RecordingSession('agent-1');
    router.attach(session);
    const result = router.send('agent-1', PING, { timeoutMs: 5_000 });

    router.disconnect('agent-1', 'removed');
    expect(session.closedWith).toBe('removed');
    expect(router.isConnected('agent-1')).toBe(false);
    await expect(result).rejects.toThrow(AgentOfflineError);

    // Nothing is left to re-send to a later stream.
    const later = new RecordingSession('agent-1');
    router.attach(later);
    expect(later.sent).toEqual([]);
  });

  it("turns the agent's error answers into our errors", async () => {
    const session = new RecordingSession('agent-1');
    router.attach(session);

    const failed = router.send('agent-1', PING, { timeoutMs: 5_000 });
    router.receive('agent-1', errorAnswer(session.sent.at(-1)!.requestId, 'failed', 'disk on fire'));
    await expect(failed).rejects.toThrow(CapabilityFailedError);
    await expect(failed).rejects.toThrow(/disk on fire/);

    const late = router.send('agent-1', PING, { timeoutMs: 5_000 });
    router.receive('agent-1', errorAnswer(session.sent.at(-1)!.requestId, 'deadline_exceeded', 'ran past its deadline'));
    await expect(late).rejects.toThrow(AgentTimeoutError);
  });

  it('fails everything and closes every stream on shutdown', async () => {
    const one = new RecordingSession('agent-1');
    const two = new RecordingSession('agent-2');
    router.attach(one);
    router.attach(two);
    const results = [router.send('agent-1', PING, { timeoutMs: 5_000 }), router.send('agent-2', PING, { timeoutMs: 5_000 })];

    router.close();
    expect([one.closedWith, two.closedWith]).toEqual(['shutdown', 'shutdown']);
    expect(router.connectedCount).toBe(0);
    for (const result of results) await expect(result).rejects.toThrow(AgentOfflineError);
  });
});
