import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentRuntime, joinControlPlane, silentLogger, type AgentRuntimeOptions } from '@infrapilot/agent';
import type { AgentEnrollment } from '@infrapilot/protocol';
import type { InfraPilotClient } from '@infrapilot/client';
import type { AgentGateway } from '../gateway/agent-gateway.js';

export interface TestAgent {
  agentId: string;
  stateDir: string;
  runtime: AgentRuntime;
  /** Resolves when run() ends (stop, or rejection); rejects with its error. */
  finished: Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** Asks the API for an enrollment token (POST /agents). */
export async function createEnrollment(client: InfraPilotClient, name: string): Promise<AgentEnrollment> {
  return client.request<AgentEnrollment>('POST', '/api/v1/agents', { body: { name } });
}

/** A real agent, enrolled with a real token over real mTLS, running in this process. */
export async function startTestAgent(
  client: InfraPilotClient,
  name: string,
  options: Partial<AgentRuntimeOptions> & { stateDir?: string } = {},
): Promise<TestAgent> {
  const enrollment = await createEnrollment(client, name);
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'infrapilot-agent-'));
  const identity = await joinControlPlane({ serverUrl: enrollment.serverUrl, token: enrollment.token, caHash: enrollment.caHash, stateDir, hostname: `${name}.test` });
  return runTestAgent(identity.agentId, stateDir, options);
}

/** Runs an already-enrolled state dir (a restart of the agent process). */
export function runTestAgent(agentId: string, stateDir: string, options: Partial<AgentRuntimeOptions> = {}): TestAgent {
  const runtime = new AgentRuntime({ logger: silentLogger, backoff: { initialDelayMs: 50, maxDelayMs: 300 }, initialHeartbeatIntervalSeconds: 1, ...options, stateDir });
  const finished = runtime.run();
  finished.catch(() => undefined);
  return {
    agentId,
    stateDir,
    runtime,
    finished,
    stop: () => runtime.stop(),
    async destroy() {
      await runtime.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Waits until a condition holds, polling; fails with the message after the timeout. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, message: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Timed out: ${message}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

export type { AgentGateway };
