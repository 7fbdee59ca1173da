import { create } from '@bufbuild/protobuf';
import { ProxyApplyCommandSchema, ProxyApplyMode, ProxyRemoveCommandSchema, type ProxyApplyResult, type ProxyHostSpec } from '@infrapilot/protocol/agent';
import { AgentOfflineError, AgentTimeoutError, CapabilityFailedError } from '../../errors.js';
import type { CommandRouter } from '../../gateway/command-router.js';

/** A host (agent) as the proxy commands name it. */
export interface CommandTarget {
  id: string;
  name: string;
}

/** How long the server waits for the agent's answer (also the deadline it gives the agent). */
export interface ProxyCommandTimeouts {
  /** Writes, tests and reloads (apply, test, remove). */
  applyMs: number;
  /** Renders without touching the host. */
  renderMs: number;
}

export const DEFAULT_PROXY_COMMAND_TIMEOUTS: ProxyCommandTimeouts = { applyMs: 60_000, renderMs: 30_000 };

function unexpected(command: string): CapabilityFailedError {
  return new CapabilityFailedError(`The agent answered ${command} with something else`, null);
}

/** The proxy commands the control plane sends a host's agent. */
export class ProxyCommands {
  constructor(
    private readonly commands: CommandRouter,
    private readonly timeouts: ProxyCommandTimeouts = DEFAULT_PROXY_COMMAND_TIMEOUTS,
  ) {}

  /** Whether the agent's CommandStream is open on this server now. */
  isConnected(agentId: string): boolean {
    return this.commands.isConnected(agentId);
  }

  /** proxy.apply: renders (RENDER), tests in place (TEST) or writes, tests and reloads (APPLY) a proxy host's file. */
  async apply(host: CommandTarget, spec: ProxyHostSpec, mode: ProxyApplyMode): Promise<ProxyApplyResult> {
    const result = await this.commands.send(
      host.id,
      { case: 'proxyApply', value: create(ProxyApplyCommandSchema, { host: spec, mode }) },
      { timeoutMs: mode === ProxyApplyMode.RENDER ? this.timeouts.renderMs : this.timeouts.applyMs, agentName: host.name },
    );
    if (result.case !== 'proxyApply') throw unexpected('proxy.apply');
    return result.value;
  }

  /** proxy.remove: the file, certificate and key of a proxy host go from the host. */
  async remove(host: CommandTarget, proxyHostId: string): Promise<void> {
    const result = await this.commands.send(
      host.id,
      { case: 'proxyRemove', value: create(ProxyRemoveCommandSchema, { proxyHostId }) },
      { timeoutMs: this.timeouts.applyMs, agentName: host.name },
    );
    if (result.case !== 'proxyRemove') throw unexpected('proxy.remove');
  }
}

// CommandError codes of a command the agent stopped part-way: cancelled, or cut short by its restart.
const STOPPED_PART_WAY = new Set(['cancelled', 'interrupted']);

/**
 * Whether a failed command may still have run (or may yet run) on the host: the answer
 * never came (timeout), the stream went away with the command in flight, or the agent
 * stopped it part-way. Anything else is an answer: the agent ran it, or refused it.
 */
export function outcomeUnknown(error: unknown): boolean {
  if (error instanceof AgentTimeoutError || error instanceof AgentOfflineError) return true;
  const code = error instanceof CapabilityFailedError ? (error.log as { code?: unknown } | null)?.code : undefined;
  return typeof code === 'string' && STOPPED_PART_WAY.has(code);
}
