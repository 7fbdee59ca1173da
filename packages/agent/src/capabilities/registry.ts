import type { AgentMessage, ExecInput, ServerMessage } from '@infrapilot/protocol/agent';
import { COMMAND_ARMS, type AgentCommandName } from '@infrapilot/protocol/agent';
import { capabilityAllowed, type AgentPolicy } from '../policy.js';

/** The arms of ServerMessage that carry a command (not session control). */
export type CommandArm = (typeof COMMAND_ARMS)[AgentCommandName];
export type CommandPayload = Extract<ServerMessage['payload'], { case: CommandArm }>;
/** What a handler answers with: a result arm of AgentMessage. */
export type ResultPayload = Exclude<AgentMessage['payload'], { case: 'hello' | 'error' | undefined }>;

/** What a handler gets besides the command: a signal that fires on cancel or deadline. */
export interface CommandContext {
  requestId: string;
  signal: AbortSignal;
  /**
   * Streaming handlers only: sends one message now, marked partial (more follow); the
   * value the handler resolves with is the last. Dropped while disconnected.
   */
  emit(payload: ResultPayload): void;
  /** Streaming handlers only: ExecInput messages the control plane sends for this request. */
  onInput(listener: (input: ExecInput) => void): void;
  /** Messages waiting to be written to the control plane; a producer pauses when this grows. */
  backlog(): number;
}

/** Runs one command. Throwing CommandFailure answers with its code; any other error is "failed". */
export interface CommandHandler {
  command: AgentCommandName;
  /**
   * A stream (followed logs, an exec session) runs until it ends or is cancelled: its
   * deadline bounds only when it may start, and it ends when the CommandStream does.
   */
  streaming?: boolean;
  handle(payload: CommandPayload, context: CommandContext): Promise<ResultPayload>;
}

/** A group of commands the host owner switches on or off as one in the policy file. */
export interface Capability {
  name: 'system' | 'docker' | 'proxy' | 'exec' | 'jobs';
  handlers: CommandHandler[];
}

/** An error a handler raises on purpose, with a code the control plane understands. */
export class CommandFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Resolution = { handler: CommandHandler } | { error: { code: string; message: string } };

/**
 * Maps command arms to handlers and applies the policy in one place: a command whose
 * capability the host owner switched off is refused here, and is not announced.
 */
export class CapabilityRegistry {
  private readonly byArm = new Map<string, { capability: Capability; handler: CommandHandler }>();

  constructor(
    capabilities: Capability[],
    private readonly policy: AgentPolicy,
  ) {
    for (const capability of capabilities) {
      for (const handler of capability.handlers) {
        this.byArm.set(COMMAND_ARMS[handler.command], { capability, handler });
      }
    }
  }

  /** Command names this host serves under its policy, sent in Hello. */
  announced(): string[] {
    return [...this.byArm.values()]
      .filter(({ capability }) => capabilityAllowed(this.policy, capability.name))
      .map(({ handler }) => handler.command)
      .sort();
  }

  /** Command names this agent serves but the policy forbids, sent in Hello. */
  deniedByPolicy(): string[] {
    return [...this.byArm.values()]
      .filter(({ capability }) => !capabilityAllowed(this.policy, capability.name))
      .map(({ handler }) => handler.command)
      .sort();
  }

  resolve(arm: string | undefined): Resolution {
    const entry = arm === undefined ? undefined : this.byArm.get(arm);
    if (!entry) return { error: { code: 'unsupported', message: `This agent does not serve the command "${arm ?? 'none'}"` } };
    if (!capabilityAllowed(this.policy, entry.capability.name)) {
      return {
        error: {
          code: 'forbidden_by_policy',
          message: `The host's policy file does not allow the "${entry.capability.name}" capability (command "${entry.handler.command}")`,
        },
      };
    }
    return { handler: entry.handler };
  }
}
