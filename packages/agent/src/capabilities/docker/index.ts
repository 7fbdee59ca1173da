import type { DockerStateSource } from '../../connection/agent-runtime.js';
import type { AgentLogger } from '../../logger.js';
import { DEFAULT_POLICY_PATH, capabilityAllowed, type AgentPolicy } from '../../policy.js';
import { execCapability } from '../exec/exec.capability.js';
import type { ExecStreamOptions } from '../exec/container-exec.js';
import type { Capability } from '../registry.js';
import type { LogStreamOptions } from './container-logs.js';
import { containerResolverOf, type ContainerResolver } from './container-resolver.js';
import { dockerCapability } from './docker.capability.js';
import { DockerEngine, resolveDockerSocket } from './docker-engine.js';
import { DockerMonitor, type DockerMonitorOptions } from './docker-monitor.js';

export interface CreateDockerOptions {
  policy: AgentPolicy;
  logger: AgentLogger;
  /** The policy file's path, named when an action is refused. */
  policyPath?: string;
  /** Docker's socket; else DOCKER_HOST (unix:// only), else /var/run/docker.sock. */
  socketPath?: string;
  /** Read for DOCKER_HOST; process.env unless given. */
  environment?: NodeJS.ProcessEnv;
  /** Tuning for tests and the fleet simulator. */
  monitor?: Pick<DockerMonitorOptions, 'retry' | 'statsConcurrency' | 'statsTimeoutMs' | 'minRefreshIntervalMs'>;
  logs?: LogStreamOptions;
  exec?: ExecStreamOptions;
}

/** The agent's Docker support: the two capabilities, the state that rides on heartbeats, and its shutdown. */
export interface AgentDocker {
  /** `docker` (containers, stacks, logs, resources) and `exec` (shells in containers). */
  capabilities: Capability[];
  /** For AgentRuntime's `docker` option: the Engine and its containers, and their events. */
  state: DockerStateSource;
  /** Where the agent reaches Docker, e.g. "unix:///var/run/docker.sock". */
  endpoint: string;
  /** Looks up containers for other capabilities (the proxy resolves container upstreams with it). */
  containers: ContainerResolver;
  /** Stops following Docker; leaves no timer or connection behind. */
  close(): Promise<void>;
}

/**
 * Builds the agent's Docker support against the local Engine. The monitor starts only when
 * the policy allows the docker capability: a host that said no is not watched either.
 */
export function createDocker(options: CreateDockerOptions): AgentDocker {
  const socket = resolveDockerSocket(options.socketPath, options.environment ?? process.env);
  const engine = new DockerEngine(socket);
  const monitor = new DockerMonitor({ engine, logger: options.logger, ...options.monitor });
  if (capabilityAllowed(options.policy, 'docker')) monitor.start();
  else monitor.disable(`the policy file (${options.policyPath ?? DEFAULT_POLICY_PATH}) does not allow the docker capability`);
  return {
    capabilities: [
      dockerCapability({ engine, monitor, policy: options.policy, ...(options.policyPath ? { policyPath: options.policyPath } : {}), ...(options.logs ? { logs: options.logs } : {}) }),
      execCapability(engine, options.exec),
    ],
    state: monitor,
    endpoint: engine.endpoint,
    containers: containerResolverOf(engine),
    close: () => monitor.close(),
  };
}

export { DockerMonitor, type DockerMonitorOptions } from './docker-monitor.js';
export { DockerEngine, resolveDockerSocket, DEFAULT_DOCKER_SOCKET, type DockerSocket } from './docker-engine.js';
export type { LogStreamOptions } from './container-logs.js';
export type { ContainerResolver } from './container-resolver.js';
export type { ExecStreamOptions } from '../exec/container-exec.js';
