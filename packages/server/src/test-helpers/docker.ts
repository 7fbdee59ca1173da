// Tests against the machine's real dockerd. Containers are made and checked with the
// docker CLI, a witness independent of the agent under test; each is named uniquely and
// labelled infrapilot.test=1, so files running in parallel never collide.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { type AgentDocker, createDocker, DEFAULT_POLICY, silentLogger, type AgentPolicy } from '@infrapilot/agent';
import type { InfraPilotClient } from '@infrapilot/client';
import { startTestAgent, type TestAgent } from './test-agent.js';

const run = promisify(execFile);

/** The busybox image scripts/setup-system.sh imports (no registry is reachable: never pull). */
export const DOCKER_TEST_IMAGE = process.env.DOCKER_TEST_IMAGE ?? 'infrapilot-test/busybox:latest';
export const TEST_LABEL = 'infrapilot.test=1';

/** A command that runs until stopped and stops at once: PID 1 ignores SIGTERM unless it traps it. */
export const STOPPABLE_COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'];

/** Runs the docker CLI with an argv array; resolves with its trimmed stdout. */
export async function docker(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`, { cause: error });
  }
}

/** A name no other test (or test run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** What `docker inspect` says about a container, or undefined when it does not exist. */
export async function inspectContainer(name: string): Promise<{ id: string; status: string; exitCode: number; restartCount: number; startedAt: string } | undefined> {
  try {
    const [id, status, exitCode, restartCount, startedAt] = (await docker(['inspect', '-f', '{{.Id}} {{.State.Status}} {{.State.ExitCode}} {{.RestartCount}} {{.State.StartedAt}}', name])).split(' ');
    return { id: id!, status: status!, exitCode: Number(exitCode), restartCount: Number(restartCount), startedAt: startedAt! };
  } catch {
    return undefined;
  }
}

/** Containers a test file creates, removed (with their anonymous volumes) by `removeAll()` in afterAll. */
export class TestContainers {
  private readonly names = new Set<string>();

  /**
   * `docker run -d` of the test image (`docker create` when `created`); returns the name and
   * full id. `flags` go before the image, `command` after it.
   */
  async run(prefix: string, command: string[], flags: string[] = [], options: { created?: boolean } = {}): Promise<{ name: string; id: string }> {
    const name = uniqueName(prefix);
    this.names.add(name);
    const verb = options.created ? ['create'] : ['run', '-d'];
    const id = await docker([...verb, '--name', name, '--label', TEST_LABEL, ...flags, DOCKER_TEST_IMAGE, ...command]);
    return { name, id };
  }

  /** Also removes this one (a container a test renamed, or made another way). */
  track(name: string): void {
    this.names.add(name);
  }

  async removeAll(): Promise<void> {
    if (this.names.size === 0) return;
    await docker(['rm', '-f', '-v', ...this.names]).catch(() => undefined);
    this.names.clear();
  }
}

/** A policy: the defaults (docker on, exec off), with what a test changes. */
export function testPolicy(changes: { exec?: boolean; docker?: boolean; dockerActions?: AgentPolicy['docker']['actions'] } = {}): AgentPolicy {
  const policy = structuredClone(DEFAULT_POLICY) as AgentPolicy;
  if (changes.exec !== undefined) policy.capabilities.exec = changes.exec;
  if (changes.docker !== undefined) policy.capabilities.docker = changes.docker;
  if (changes.dockerActions) policy.docker.actions = [...changes.dockerActions];
  return policy;
}

export type DockerTestAgent = TestAgent & { docker: AgentDocker };

/**
 * A real agent (real enrollment, real mTLS) with the real docker and exec capabilities
 * against this machine's dockerd, or against `socketPath` (a socket that does not exist
 * simulates Docker being down without touching the shared daemon).
 */
export async function startDockerAgent(client: InfraPilotClient, name: string, options: { policy?: AgentPolicy; socketPath?: string } = {}): Promise<DockerTestAgent> {
  const policy = options.policy ?? testPolicy({ exec: true });
  const docker = createDocker({ policy, logger: silentLogger, ...(options.socketPath ? { socketPath: options.socketPath } : {}) });
  try {
    const agent = await startTestAgent(client, name, { capabilities: docker.capabilities, docker: docker.state, policy });
    return {
      ...agent,
      docker,
      async stop() {
        await agent.stop();
        await docker.close();
      },
      async destroy() {
        await agent.destroy();
        await docker.close();
      },
    };
  } catch (error) {
    await docker.close();
    throw error;
  }
}
