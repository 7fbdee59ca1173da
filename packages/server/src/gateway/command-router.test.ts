import { create } from '@bufbuild/protobuf';
import {
  AgentMessageSchema,
  CommandErrorSchema,
  ContainerActionCommandSchema,
  ContainerExecCommandSchema,
  ContainerLogsCommandSchema,
  DockerResourcesCommandSchema,
  ContainerLogsResultSchema,
  LogLineSchema,
  PingCommandSchema,
  PingResultSchema,
  SystemInfoCommandSchema,
  type AgentMessage,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AgentOfflineError,
  AgentTimeoutError,
  type AppError,
  CapabilityFailedError,
  CapabilityUnavailableError,
  DockerUnavailableError,
  PolicyDeniedError,
} from '../errors.js';
import { FakeClock } from '../test-helpers/fake-clock.js';
import { type AgentSession, type CommandPayload, CommandRouter, type ResultPayload, type SessionCloseReason, type StreamListener } from './command-router.js';

const PING: CommandPayload = { case: 'ping', value: create(PingCommandSchema, { payload: new Uint8Array([1, 2, 3]) }) };
const SYSTEM_INFO: CommandPayload = { case: 'systemInfo', value: create(SystemInfoCommandSchema, {}) };

/** A CommandStream as the router sees it, recording what it was sent and why it was closed. */
class RecordingSession implements AgentSession {
  readonly sent: ServerMessage[] = [];
  closedWith: SessionCloseReason | undefined;
  readonly capabilities: ReadonlySet<string>;

  readonly deniedByPolicy: ReadonlySet<string>;

  constructor(
    readonly agentId: string,
    capabilities: string[] = ['ping'],
    deniedByPolicy: string[] = [],
  ) {
    this.capabilities = new Set(capabilities);
    this.deniedByPolicy = new Set(deniedByPolicy);
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

  describe('streams', () => {
    const FOLLOW: CommandPayload = { case: 'containerLogs', value: create(ContainerLogsCommandSchema, { container: 'web', follow: true }) };

    function batch(requestId: string, texts: string[], partial: boolean): AgentMessage {
      const lines = texts.map((text) => create(LogLineSchema, { stream: 'stdout', timestamp: '2025-06-01T12:00:00.000000001Z', text }));
      return create(AgentMessageSchema, { requestId, partial, payload: { case: 'containerLogs', value: create(ContainerLogsResultSchema, { lines }) } });
    }

    function recordingListener() {
      const messages: ResultPayload[] = [];
      const ends: ({ final: ResultPayload } | { error: AppError })[] = [];
      const listener: StreamListener = { message: (payload) => messages.push(payload), end: (outcome) => ends.push(outcome) };
      return { listener, messages, ends };
    }

    it('passes partial messages to the listener and ends with the last one', () => {
      const session = new RecordingSession('agent-1', ['container.logs']);
      router.attach(session);
      const { listener, messages, ends } = recordingListener();
      const stream = router.openStream('agent-1', FOLLOW, listener);

      router.receive('agent-1', batch(stream.requestId, ['1', '2'], true));
      router.receive('agent-1', batch(stream.requestId, ['3'], true));
      router.receive('agent-1', batch(stream.requestId, [], false));

      expect(messages.map((payload) => (payload.case === 'containerLogs' ? payload.value.lines.map((line) => line.text) : []))).toEqual([['1', '2'], ['3']]);
      expect(ends).toHaveLength(1);
      expect('final' in ends[0]!).toBe(true);
      expect(router.openStreamCount).toBe(0);
    });

    it('ends every stream of a session when its CommandStream closes, and does not send them again on reconnect', () => {
      const first = new RecordingSession('agent-1', ['container.logs']);
      const detach = router.attach(first);
      const { listener, ends } = recordingListener();
      router.openStream('agent-1', FOLLOW, listener, { agentName: 'web-1' });

      detach();
      expect(ends).toHaveLength(1);
      const outcome = ends[0]!;
      expect('error' in outcome && outcome.error).toBeInstanceOf(AgentOfflineError);

      const second = new RecordingSession('agent-1', ['container.logs']);
      router.attach(second);
      expect(second.sent).toHaveLength(0);
    });

    it('maps an error answer to the error the API gives', () => {
      router.attach(new RecordingSession('agent-1', ['container.logs']));
      const { listener, ends } = recordingListener();
      const stream = router.openStream('agent-1', FOLLOW, listener, { agentName: 'web-1' });

      router.receive('agent-1', errorAnswer(stream.requestId, 'docker_unavailable', 'cannot reach the Docker Engine at unix:///var/run/docker.sock'));

      const outcome = ends[0]!;
      expect('error' in outcome && outcome.error).toBeInstanceOf(DockerUnavailableError);
      expect('error' in outcome && outcome.error.message).toContain('web-1');
    });

    it('sends input with the stream\'s request id, and a cancel that ends nothing twice', () => {
      const session = new RecordingSession('agent-1', ['container.exec']);
      router.attach(session);
      const { listener, ends } = recordingListener();
      const stream = router.openStream('agent-1', { case: 'containerExec', value: create(ContainerExecCommandSchema, { container: 'web', argv: ['sh'], tty: true }) }, listener);

      stream.input({ data: new TextEncoder().encode('ls\n') });
      stream.input({ columns: 120, rows: 40 });
      stream.cancel();
      stream.input({ data: new Uint8Array([1]) });

      const inputs = session.sent.filter((message) => message.payload.case === 'execInput');
      expect(inputs.map((message) => message.requestId)).toEqual([stream.requestId, stream.requestId]);
      const cancel = session.sent.find((message) => message.payload.case === 'cancel');
      expect(cancel?.payload.case === 'cancel' && cancel.payload.value.targetRequestId).toBe(stream.requestId);
      // Answers after a cancel are dropped: the caller has gone.
      router.receive('agent-1', batch(stream.requestId, ['late'], false));
      expect(ends).toHaveLength(0);
    });

    it('refuses a command the policy denies with policy_denied, and an unknown one with capability_unavailable', () => {
      router.attach(new RecordingSession('agent-1', ['container.logs'], ['container.exec']));
      const { listener } = recordingListener();
      const exec: CommandPayload = { case: 'containerExec', value: create(ContainerExecCommandSchema, { container: 'web', argv: ['sh'] }) };
      expect(() => router.openStream('agent-1', exec, listener, { agentName: 'web-1' })).toThrow(PolicyDeniedError);
      expect(() => router.openStream('agent-1', { case: 'dockerResources', value: create(DockerResourcesCommandSchema, {}) }, listener)).toThrow(
        CapabilityUnavailableError,
      );
    });

    it('rejects a unary command the agent refused by policy with policy_denied', async () => {
      const session = new RecordingSession('agent-1', ['container.action']);
      router.attach(session);
      const answer = router.send('agent-1', { case: 'containerAction', value: create(ContainerActionCommandSchema, { container: 'web' }) }, { agentName: 'web-1' });
      router.receive('agent-1', errorAnswer(session.commandIds[0]!, 'forbidden_by_policy', 'The policy file does not allow "remove"'));
      await expect(answer).rejects.toBeInstanceOf(PolicyDeniedError);
    });
  });
});
