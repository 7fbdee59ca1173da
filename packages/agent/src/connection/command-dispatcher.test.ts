import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AgentMessageSchema,
  CancelSchema,
  ContainerExecCommandSchema,
  ContainerLogsCommandSchema,
  ContainerLogsResultSchema,
  LogLineSchema,
  ExecInputSchema,
  ExecOutputSchema,
  PingCommandSchema,
  PingResultSchema,
  ServerMessageSchema,
  SystemInfoCommandSchema,
  type AgentMessage,
  type ServerMessage,
} from '@infrapilot/protocol/agent';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapabilityRegistry, CommandFailure, type Capability, type CommandContext } from '../capabilities/registry.js';
import { DEFAULT_POLICY } from '../policy.js';
import { CommandDispatcher, MAX_ANSWER_BYTES, type DispatchEvent } from './command-dispatcher.js';
import { ExecutedRequests } from './executed-requests.js';

/** A ping handler the test steers: each run waits for `finish` (or answers at once). */
class TestPing {
  readonly runs: string[] = [];
  readonly contexts = new Map<string, CommandContext>();
  private readonly finishers = new Map<string, (outcome: Error | undefined) => void>();
  immediate = true;

  capability(): Capability {
    return {
      name: 'system',
      handlers: [
        {
          command: 'ping',
          handle: async (_payload, context) => {
            this.runs.push(context.requestId);
            this.contexts.set(context.requestId, context);
            if (!this.immediate) {
              const failure = await new Promise<Error | undefined>((resolve) => this.finishers.set(context.requestId, resolve));
              if (failure) throw failure;
            }
            return { case: 'ping', value: create(PingResultSchema, { agentTimeUnixMs: 42n }) };
          },
        },
      ],
    };
  }

  finish(requestId: string, failure?: Error): void {
    this.finishers.get(requestId)?.(failure);
  }
}

function command(requestId: string, deadlineUnixMs: number, payload: ServerMessage['payload'] = { case: 'ping', value: create(PingCommandSchema, {}) }): ServerMessage {
  return create(ServerMessageSchema, { requestId, deadlineUnixMs: BigInt(deadlineUnixMs), payload });
}

function errorCodeOf(answer: AgentMessage | undefined): string | undefined {
  return answer?.payload.case === 'error' ? answer.payload.value.code : undefined;
}

describe('CommandDispatcher', () => {
  let directory: string;
  let ping: TestPing;
  let sent: AgentMessage[];
  let events: DispatchEvent[];
  let dispatcher: CommandDispatcher;

  const build = (capabilities: Capability[] = [ping.capability()]) =>
    new CommandDispatcher(
      new CapabilityRegistry(capabilities, DEFAULT_POLICY),
      new ExecutedRequests(join(directory, 'executed-requests.log')),
      (answer) => sent.push(answer),
      (event) => events.push(event),
    );
  const soon = () => Date.now() + 5_000;
  const answered = (requestId: string) => sent.filter((answer) => answer.requestId === requestId);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'infrapilot-dispatch-'));
    ping = new TestPing();
    sent = [];
    events = [];
    dispatcher = build();
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('runs a command and answers with its result under the same request id', async () => {
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    expect(ping.runs).toEqual(['r1']);
    expect(events).toEqual([{ kind: 'executed', requestId: 'r1', command: 'ping' }]);
    expect(answered('r1')).toHaveLength(1);
    expect(answered('r1')[0]!.payload.case).toBe('ping');
  });

  it('answers a re-sent request with the first answer, without running it again', async () => {
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    expect(ping.runs).toEqual(['r1']);
    expect(events.map((event) => event.kind)).toEqual(['executed', 'duplicate']);
    expect(answered('r1')).toHaveLength(2);
    expect(answered('r1')[1]).toEqual(answered('r1')[0]);
  });

  it('answers once when a request is re-sent while it still runs', async () => {
    ping.immediate = false;
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    expect(answered('r1')).toHaveLength(0);
    ping.finish('r1');
    await settle();
    expect(ping.runs).toEqual(['r1']);
    expect(answered('r1')).toHaveLength(1);
  });

  it('does not run a request again after an agent restart, since ids are kept on disk', async () => {
    ping.immediate = false;
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    dispatcher.abortAll();

    const restarted = build();
    restarted.dispatch(command('r1', soon()));
    await settle();
    expect(ping.runs).toEqual(['r1']);
    expect(events.at(-1)).toEqual({ kind: 'duplicate', requestId: 'r1' });
  });

  it('refuses, without running it, a command that arrives after its deadline', async () => {
    dispatcher.dispatch(command('late', Date.now() - 1));
    dispatcher.dispatch(command('undated', 0));
    await settle();
    expect(ping.runs).toEqual([]);
    expect(errorCodeOf(answered('late')[0])).toBe('deadline_exceeded');
    expect(errorCodeOf(answered('undated')[0])).toBe('deadline_exceeded');
    expect(events).toEqual([
      { kind: 'refused', requestId: 'late', code: 'deadline_exceeded' },
      { kind: 'refused', requestId: 'undated', code: 'deadline_exceeded' },
    ]);
  });

  it('stops a command that runs past its deadline and says so', async () => {
    ping.immediate = false;
    dispatcher.dispatch(command('r1', Date.now() + 30));
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(ping.contexts.get('r1')!.signal.aborted).toBe(true);
    expect(errorCodeOf(answered('r1')[0])).toBe('deadline_exceeded');
  });

  it('stops a running command when the server cancels it', async () => {
    ping.immediate = false;
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    dispatcher.dispatch(create(ServerMessageSchema, { requestId: 'c1', payload: { case: 'cancel', value: create(CancelSchema, { targetRequestId: 'r1' }) } }));
    await settle();
    expect(ping.contexts.get('r1')!.signal.aborted).toBe(true);
    expect(answered('r1')).toHaveLength(1);
    expect(errorCodeOf(answered('r1')[0])).toBe('cancelled');
    expect(answered('c1')).toEqual([]);
  });

  it('answers "failed" with the message when a handler throws', async () => {
    ping.immediate = false;
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    ping.finish('r1', new Error('disk on fire'));
    await settle();
    const answer = answered('r1')[0];
    expect(errorCodeOf(answer)).toBe('failed');
    expect(answer?.payload.case === 'error' && answer.payload.value.message).toBe('disk on fire');
  });

  it("keeps a handler's own failure code", async () => {
    const failing: Capability = {
      name: 'system',
      handlers: [{ command: 'ping', handle: async () => Promise.reject(new CommandFailure('not_found', 'no such thing')) }],
    };
    dispatcher = build([failing]);
    dispatcher.dispatch(command('r1', soon()));
    await settle();
    expect(errorCodeOf(answered('r1')[0])).toBe('not_found');
  });

  it('refuses a command no capability serves', async () => {
    dispatcher.dispatch(command('r1', soon(), { case: 'systemInfo', value: create(SystemInfoCommandSchema, {}) }));
    await settle();
    expect(errorCodeOf(answered('r1')[0])).toBe('unsupported');
    expect(events).toEqual([{ kind: 'refused', requestId: 'r1', code: 'unsupported' }]);
  });

  it("refuses a command whose capability the host's policy switched off", async () => {
    let ran = false;
    const exec: Capability = {
      name: 'exec',
      handlers: [
        {
          command: 'system.info',
          handle: async () => {
            ran = true;
            throw new Error('must not run');
          },
        },
      ],
    };
    dispatcher = build([ping.capability(), exec]);
    dispatcher.dispatch(command('r1', soon(), { case: 'systemInfo', value: create(SystemInfoCommandSchema, {}) }));
    await settle();
    expect(ran).toBe(false);
    expect(errorCodeOf(answered('r1')[0])).toBe('forbidden_by_policy');
  });

  it('drops a command without a request id, since nothing could be answered', async () => {
    dispatcher.dispatch(command('', soon()));
    await settle();
    expect(ping.runs).toEqual([]);
    expect(sent).toEqual([]);
    expect(events).toEqual([]);
  });

  it('cancels everything still running when the agent shuts down', async () => {
    ping.immediate = false;
    dispatcher.dispatch(command('r1', soon()));
    dispatcher.dispatch(command('r2', soon()));
    await settle();
    dispatcher.abortAll();
    await settle();
    expect(errorCodeOf(answered('r1')[0])).toBe('cancelled');
    expect(errorCodeOf(answered('r2')[0])).toBe('cancelled');
  });

  // An answer over the 4 MiB the control plane accepts made it drop the host's whole
  // connection, and the request, re-sent after the reconnect, got the same answer again.
  it('answers "failed" instead of an answer too large to send, and keeps that for a replay', async () => {
    const text = 'x'.repeat(60_000);
    let lines = 0;
    const logs: Capability = {
      name: 'docker',
      handlers: [
        {
          command: 'container.logs',
          handle: async () => ({
            case: 'containerLogs',
            value: create(ContainerLogsResultSchema, { lines: Array.from({ length: lines }, () => create(LogLineSchema, { stream: 'stdout', text })) }),
          }),
        },
      ],
    };
    dispatcher = build([logs]);
    const logsCommand = (requestId: string) => command(requestId, soon(), { case: 'containerLogs', value: create(ContainerLogsCommandSchema, { container: 'web' }) });

    lines = 50; // about 3 MiB: under the limit, sent as it is
    dispatcher.dispatch(logsCommand('fits'));
    await settle();
    expect(answered('fits')[0]!.payload.case).toBe('containerLogs');
    expect(toBinary(AgentMessageSchema, answered('fits')[0]!).length).toBeLessThanOrEqual(MAX_ANSWER_BYTES);

    lines = 100; // about 5.7 MiB
    dispatcher.dispatch(logsCommand('huge'));
    await settle();
    const answer = answered('huge')[0]!;
    expect(errorCodeOf(answer)).toBe('failed');
    expect(answer.payload.case === 'error' && answer.payload.value.message).toBe('The answer was too large to send (5.7 MiB); ask for less (a smaller page, a narrower filter)');
    dispatcher.dispatch(logsCommand('huge'));
    await settle();
    expect(answered('huge')).toHaveLength(2);
    expect(answered('huge')[1]).toEqual(answer);
  });

  describe('streams', () => {
    /** An exec-like stream: echoes each input as output until told to end. */
    function echoStream(received: string[]): Capability {
      return {
        name: 'exec',
        handlers: [
          {
            command: 'container.exec',
            streaming: true,
            handle: (_payload, context) =>
              new Promise((resolve) => {
                context.onInput((input) => {
                  const text = new TextDecoder().decode(input.data);
                  received.push(text);
                  if (input.closeStdin) resolve({ case: 'execOutput', value: create(ExecOutputSchema, { exited: true, exitCode: 7 }) });
                  else context.emit({ case: 'execOutput', value: create(ExecOutputSchema, { data: input.data, stream: 'stdout' }) });
                });
              }),
          },
        ],
      };
    }
    const exec = (requestId: string, deadline: number) =>
      command(requestId, deadline, { case: 'containerExec', value: create(ContainerExecCommandSchema, { container: 'web', argv: ['sh'] }) });
    const input = (requestId: string, text: string, closeStdin = false) =>
      create(ServerMessageSchema, { requestId, payload: { case: 'execInput', value: create(ExecInputSchema, { data: new TextEncoder().encode(text), closeStdin }) } });
    const allowExec = { ...DEFAULT_POLICY, capabilities: { ...DEFAULT_POLICY.capabilities, exec: true } };

    it('sends partial messages as the handler emits them, routes input to it, and ends with its last message', async () => {
      const received: string[] = [];
      dispatcher = new CommandDispatcher(new CapabilityRegistry([echoStream(received)], allowExec), new ExecutedRequests(join(directory, 'x.log')), (answer) => sent.push(answer));
      dispatcher.dispatch(exec('s1', soon()));
      await settle();
      dispatcher.dispatch(input('s1', 'ls\n'));
      dispatcher.dispatch(input('s1', 'pwd\n'));
      dispatcher.dispatch(input('s1', '', true));
      await settle();

      expect(received).toEqual(['ls\n', 'pwd\n', '']);
      const messages = answered('s1');
      expect(messages.map((message) => message.partial)).toEqual([true, true, false]);
      const last = messages.at(-1)!;
      expect(last.payload.case === 'execOutput' && last.payload.value.exitCode).toBe(7);
      // Input is session control: it never runs as a command of its own.
      expect(sent.every((message) => message.requestId === 's1')).toBe(true);
    });

    it('lets a stream run past its deadline, which only bounds its start', async () => {
      const received: string[] = [];
      dispatcher = new CommandDispatcher(new CapabilityRegistry([echoStream(received)], allowExec), new ExecutedRequests(join(directory, 'x.log')), (answer) => sent.push(answer));
      dispatcher.dispatch(exec('s1', Date.now() + 30));
      await new Promise((resolve) => setTimeout(resolve, 80));
      dispatcher.dispatch(input('s1', 'still here'));
      await settle();
      expect(answered('s1').map((message) => message.partial)).toEqual([true]);
    });

    it('ends running streams when the connection ends, and not the commands that outlive it', async () => {
      const received: string[] = [];
      ping.immediate = false;
      dispatcher = new CommandDispatcher(
        new CapabilityRegistry([echoStream(received), ping.capability()], allowExec),
        new ExecutedRequests(join(directory, 'x.log')),
        (answer) => sent.push(answer),
      );
      dispatcher.dispatch(exec('s1', soon()));
      dispatcher.dispatch(command('p1', soon()));
      await settle();
      dispatcher.abortStreams();
      await settle();
      expect(errorCodeOf(answered('s1')[0])).toBe('cancelled');
      expect(answered('p1')).toHaveLength(0);
      ping.finish('p1');
      await settle();
      expect(answered('p1')[0]!.payload.case).toBe('ping');
    });

    it('announces a command the policy forbids as denied, not as offered', () => {
      const registry = new CapabilityRegistry([echoStream([])], DEFAULT_POLICY);
      expect(registry.announced()).not.toContain('container.exec');
      expect(registry.deniedByPolicy()).toEqual(['container.exec']);
    });
  });
});
