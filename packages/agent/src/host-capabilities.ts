// What an agent serves on its host, built once from the host owner's policy, so that
// `agent run` and the local agent of `infrapilot up` cannot drift apart.
import { createDocker, type AgentDocker, type CreateDockerOptions } from './capabilities/docker/index.js';
import { createProxy, type AgentProxy, type CreateProxyOptions } from './capabilities/proxy/index.js';
import type { AgentRuntimeOptions } from './connection/agent-runtime.js';
import type { AgentLogger } from './logger.js';
import { capabilityAllowed, type AgentPolicy } from './policy.js';

export interface HostCapabilitiesOptions {
  policy: AgentPolicy;
  logger: AgentLogger;
  /** The policy file's path, named when an action is refused or nginx is missing. */
  policyPath?: string;
  /** Docker's socket and tuning (tests, the fleet simulator). */
  docker?: Omit<CreateDockerOptions, 'policy' | 'logger' | 'policyPath'>;
  /** nginx program deadlines (tests). */
  proxy?: Pick<CreateProxyOptions, 'programTimeoutMs' | 'settleTimeoutMs'>;
}

/** The host's capabilities and the AgentRuntime options that carry them. */
export interface HostCapabilities {
  docker: AgentDocker;
  proxy: AgentProxy;
  /**
   * Spread into `new AgentRuntime({ stateDir, ...runtimeOptions })`: the policy, the
   * logger, docker + exec + proxy, and the state sources heartbeats carry — each only
   * where the policy allows its capability.
   */
  runtimeOptions: Pick<AgentRuntimeOptions, 'policy' | 'logger' | 'capabilities' | 'docker' | 'proxy'>;
  /** Stops following Docker and lets a proxy command in progress finish. */
  close(): Promise<void>;
}

/** Builds docker, exec and proxy for this host from its policy. */
export function createHostCapabilities(options: HostCapabilitiesOptions): HostCapabilities {
  const { policy, logger } = options;
  const policyPath = options.policyPath ? { policyPath: options.policyPath } : {};
  const docker = createDocker({ ...options.docker, policy, logger, ...policyPath });
  const proxy = createProxy({
    ...options.proxy,
    policy,
    logger,
    ...policyPath,
    // A host that refused the docker capability does not let the proxy look into its containers either.
    ...(capabilityAllowed(policy, 'docker') ? { containers: docker.containers } : {}),
  });
  return {
    docker,
    proxy,
    runtimeOptions: {
      policy,
      logger,
      capabilities: [...docker.capabilities, ...proxy.capabilities],
      // Heartbeats carry a capability's state only where the host owner allows it.
      ...(capabilityAllowed(policy, 'docker') ? { docker: docker.state } : {}),
      ...(capabilityAllowed(policy, 'proxy') ? { proxy: proxy.state } : {}),
    },
    async close() {
      await Promise.all([docker.close(), proxy.close()]);
    },
  };
}
